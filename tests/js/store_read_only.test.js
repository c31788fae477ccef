// @ts-check
// The store read-only (a reviewer looking at an annotator's work): edits and undo are
// ignored, view changes still apply; editing again once it is lifted.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createStore } from "../../src/visualner/web/static/js/labeling/state/store.js";

/** @param {string[]} ids @returns {import("../../src/visualner/web/static/js/labeling/model/regions.js").Doc} */
function doc(...ids) {
  return {
    regions: ids.map((id) => ({ id, page: 0, label: "question", tokens: [0], bbox: null, text: "", origin: "manual" })),
    relations: [],
    choices: {},
  };
}

test("a read-only store ignores edits and undo but keeps view changes", () => {
  const store = createStore(doc("q1"));
  store.commit("add q2", () => doc("q1", "q2"));
  store.setReadOnly(true);
  assert.equal(store.readOnly, true);
  const before = store.state.doc;
  /** @type {boolean[]} */
  const docChanges = [];
  store.subscribe((_state, change) => docChanges.push(change.doc));
  store.commit("add q3", () => doc("q1", "q2", "q3"), { page: 2 });
  assert.equal(store.state.doc, before);
  assert.equal(store.state.ui.page, 2);
  assert.deepEqual(docChanges, [false]);
  assert.equal(store.undo(), false);
  assert.equal(store.state.doc.regions.length, 2);
  store.setReadOnly(false);
  store.commit("add q3", () => doc("q1", "q2", "q3"));
  assert.equal(store.state.doc.regions.length, 3);
  assert.equal(store.undo(), true);
});
