// @ts-check
// The show/hide choice of region boxes and arrows survives reloads and bad saved values.
import assert from "node:assert/strict";
import { test } from "node:test";

import { layersKey, savedLayers } from "../../src/visualner/web/static/js/labeling/layer_toggles.js";

/** @param {Record<string, string>} items @returns {Storage} */
function storageWith(items) {
  return /** @type {Storage} */ (/** @type {unknown} */ ({ getItem: (/** @type {string} */ key) => items[key] ?? null }));
}

test("both layers show when nothing is saved", () => {
  assert.deepEqual(savedLayers(storageWith({}), "ann"), { showRegions: true, showRelations: true });
  assert.deepEqual(savedLayers(null, "ann"), { showRegions: true, showRelations: true });
});

test("a saved choice is read back", () => {
  const saved = storageWith({ [layersKey("ann")]: JSON.stringify({ showRegions: false, showRelations: true }) });
  assert.deepEqual(savedLayers(saved, "ann"), { showRegions: false, showRelations: true });
});

test("an unreadable saved value shows both", () => {
  assert.deepEqual(savedLayers(storageWith({ [layersKey("ann")]: "{not json" }), "ann"), { showRegions: true, showRelations: true });
});

test("each user keeps their own choice in a shared browser", () => {
  const saved = storageWith({ [layersKey("ann")]: JSON.stringify({ showRegions: false, showRelations: false }) });
  assert.deepEqual(savedLayers(saved, "bob"), { showRegions: true, showRelations: true });
  assert.deepEqual(savedLayers(saved, "ann"), { showRegions: false, showRelations: false });
});
