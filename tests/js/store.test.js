// @ts-check
// The observable store: undoable document edits, view state outside the undo stack.
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

/** A store and the changes its listener heard. */
function watched(initial = doc()) {
  const store = createStore(initial);
  /** @type {{doc: boolean, ui: string[], reason: string}[]} */
  const heard = [];
  store.subscribe((_state, change) => heard.push({ doc: change.doc, ui: [...change.ui].sort(), reason: change.reason }));
  return { store, heard };
}

test("an edit is one undo step, and undo then redo walk back and forth", () => {
  const { store } = watched();
  store.commit("add q1", () => doc("q1"));
  store.commit("add q2", () => doc("q1", "q2"));
  assert.equal(store.canUndo, true);
  assert.equal(store.undo(), true);
  assert.deepEqual(store.state.doc.regions.map((r) => r.id), ["q1"]);
  assert.equal(store.undo(), true);
  assert.equal(store.state.doc.regions.length, 0);
  assert.equal(store.undo(), false);
  assert.equal(store.redo(), true);
  assert.equal(store.redo(), true);
  assert.deepEqual(store.state.doc.regions.map((r) => r.id), ["q1", "q2"]);
  assert.equal(store.canRedo, false);
});

test("a new edit after an undo drops the redo steps", () => {
  const { store } = watched();
  store.commit("add q1", () => doc("q1"));
  store.undo();
  store.commit("add q9", () => doc("q9"));
  assert.equal(store.canRedo, false);
  assert.equal(store.redo(), false);
});

test("undo clears the selection and says so; view changes are not undone", () => {
  const { store, heard } = watched();
  store.commit("add q1", () => doc("q1"), { selection: [0], activeRegionId: "q1" });
  store.setUi({ page: 2 });
  heard.length = 0;
  store.undo();
  assert.deepEqual(store.state.ui.selection, []);
  assert.equal(store.state.ui.activeRegionId, null);
  assert.equal(store.state.ui.page, 2);
  assert.deepEqual(heard, [{ doc: true, ui: ["activeRegionId", "selection"], reason: "undo" }]);
});

test("listeners hear only what changed, and nothing for a no-op", () => {
  const { store, heard } = watched();
  store.setUi({ page: 0, scale: 2 });
  store.setUi({ scale: 2 });
  const same = store.state.doc;
  store.commit("nothing", (d) => d);
  assert.equal(store.state.doc, same);
  assert.deepEqual(heard, [{ doc: false, ui: ["scale"], reason: "ui" }]);
});

test("a reset replaces the document without an undo step", () => {
  const { store, heard } = watched();
  store.commit("add q1", () => doc("q1"));
  store.reset(doc("server"));
  assert.equal(store.canUndo, false);
  assert.equal(heard.at(-1)?.reason, "reset");
});

test("the undo stack keeps the last 200 edits", () => {
  const { store } = watched();
  for (let i = 0; i < 250; i++) store.commit(`edit ${i}`, () => doc(`r${i}`));
  let steps = 0;
  while (store.undo()) steps++;
  assert.equal(steps, 200);
  assert.deepEqual(store.state.doc.regions.map((r) => r.id), ["r49"]);
});

test("unsubscribing stops the calls", () => {
  const store = createStore(doc());
  let calls = 0;
  const stop = store.subscribe(() => calls++);
  store.setUi({ page: 1 });
  stop();
  store.setUi({ page: 2 });
  assert.equal(calls, 1);
});
