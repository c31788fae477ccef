// @ts-check
// The grid index behind hit tests and rubber bands, pinned to a plain scan of every box.
import assert from "node:assert/strict";
import { test } from "node:test";

import { buildSpatialIndex, hitTest, queryBox } from "../../src/visualner/web/static/js/labeling/model/spatial_index.js";

/** A small deterministic generator, so a failure can be replayed. @param {number} seed */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Word boxes scattered over a page, some overlapping, some past its edges.
 * @param {number} count @param {number} width @param {number} height @param {number} seed
 */
function words(count, width, height, seed) {
  const next = random(seed);
  const boxes = [];
  for (let i = 0; i < count; i++) {
    const x = next() * (width + 40) - 20;
    const y = next() * (height + 40) - 20;
    boxes.push(x, y, x + 5 + next() * 120, y + 5 + next() * 30);
  }
  return Float32Array.from(boxes);
}

/**
 * The reference: every box that contains the point (with slop), smallest area first.
 * @param {Float32Array} boxes @param {number} x @param {number} y @param {number} slop
 */
function slowHit(boxes, x, y, slop) {
  let best = -1;
  let bestArea = Infinity;
  for (let i = 0; i < boxes.length / 4; i++) {
    const [x0, y0, x1, y1] = boxes.subarray(i * 4, i * 4 + 4);
    if (x >= x0 - slop && x <= x1 + slop && y >= y0 - slop && y <= y1 + slop) {
      const area = (x1 - x0) * (y1 - y0);
      if (area < bestArea) [best, bestArea] = [i, area];
    }
  }
  return best;
}

/**
 * The reference: every box that intersects the query, in index order.
 * @param {Float32Array} boxes @param {[number, number, number, number]} box
 */
function slowQuery(boxes, box) {
  const found = [];
  for (let i = 0; i < boxes.length / 4; i++) {
    const [x0, y0, x1, y1] = boxes.subarray(i * 4, i * 4 + 4);
    if (x0 <= box[2] && box[0] <= x1 && y0 <= box[3] && box[1] <= y1) found.push(i);
  }
  return found;
}

test("hit tests agree with a scan of every box, with and without slop", () => {
  for (const seed of [1, 2, 3]) {
    const boxes = words(400, 1700, 2200, seed);
    const index = buildSpatialIndex(boxes, 1700, 2200);
    const next = random(seed + 100);
    for (let k = 0; k < 500; k++) {
      const x = next() * 1800 - 50;
      const y = next() * 2300 - 50;
      const slop = k % 2 ? 3 : 0;
      assert.equal(hitTest(index, x, y, slop), slowHit(boxes, x, y, slop), `seed ${seed} point ${x},${y}`);
    }
  }
});

test("rubber-band queries agree with a scan, in reading order and without repeats", () => {
  const boxes = words(600, 1000, 1400, 7);
  const index = buildSpatialIndex(boxes, 1000, 1400);
  const next = random(8);
  for (let k = 0; k < 300; k++) {
    const x = next() * 1100 - 50;
    const y = next() * 1500 - 50;
    /** @type {[number, number, number, number]} */
    const band = [x, y, x + next() * 500, y + next() * 400];
    assert.deepEqual(queryBox(index, band), slowQuery(boxes, band));
  }
});

test("the smallest of overlapping words wins a hit, and empty space hits nothing", () => {
  const boxes = Float32Array.from([0, 0, 100, 100, 40, 40, 60, 60]);
  const index = buildSpatialIndex(boxes, 200, 200);
  assert.equal(hitTest(index, 50, 50), 1);
  assert.equal(hitTest(index, 10, 10), 0);
  assert.equal(hitTest(index, 150, 150), -1);
  assert.equal(hitTest(index, -500, 50), -1);
});

test("a page without words answers every query with nothing", () => {
  const index = buildSpatialIndex([], 800, 600);
  assert.equal(hitTest(index, 10, 10), -1);
  assert.deepEqual(queryBox(index, [0, 0, 800, 600]), []);
});
