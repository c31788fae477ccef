// @ts-check
// Which labels a region may take: word labels for words, box labels for free boxes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { labelKinds, labelsForRegion } from "../../src/visualner/web/static/js/labeling/model/label_kinds.js";

const VISUAL_NER = [
  { kind: "labels", labels: [{ value: "PERSON" }, { value: "PHONE" }] },
  { kind: "rectanglelabels", labels: [{ value: "LOGO" }, { value: "SIGNATURE" }] },
];

test("a word region never takes a box label, and a free box never a word label", () => {
  const kinds = labelKinds(VISUAL_NER);
  assert.deepEqual(labelsForRegion(kinds, { tokens: [3, 4] }), ["PERSON", "PHONE"]);
  assert.deepEqual(labelsForRegion(kinds, { tokens: [] }), ["LOGO", "SIGNATURE"]);
});

test("a config with one kind of labels offers all of them to both kinds of region", () => {
  const kinds = labelKinds([{ kind: "labels", labels: [{ value: "question" }, { value: "answer" }] }]);
  assert.deepEqual(labelsForRegion(kinds, { tokens: [] }), ["question", "answer"]);
  assert.deepEqual(labelsForRegion(kinds, { tokens: [1] }), ["question", "answer"]);
});

test("a label in two groups of one kind is offered once", () => {
  const kinds = labelKinds([
    { kind: "labels", labels: [{ value: "A" }] },
    { kind: "labels", labels: [{ value: "A" }, { value: "B" }] },
  ]);
  assert.deepEqual(kinds.word, ["A", "B"]);
});
