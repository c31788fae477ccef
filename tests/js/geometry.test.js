// @ts-check
// Pure geometry of the labeling page: boxes in page pixels, views mapping them to the screen.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  boxFromCorners,
  center,
  clampBox,
  clampScale,
  containsPoint,
  fitWidthScale,
  inflate,
  intersects,
  MAX_SCALE,
  MIN_SCALE,
  roundBox,
  toPage,
  toScreen,
  unionBox,
  zoomAt,
} from "../../src/visualner/web/static/js/labeling/model/geometry.js";

test("a box from two corners is the same whichever way the drag went", () => {
  const expected = [10, 20, 30, 40];
  assert.deepEqual(boxFromCorners({ x: 10, y: 20 }, { x: 30, y: 40 }), expected);
  assert.deepEqual(boxFromCorners({ x: 30, y: 40 }, { x: 10, y: 20 }), expected);
  assert.deepEqual(boxFromCorners({ x: 30, y: 20 }, { x: 10, y: 40 }), expected);
});

test("points on the edge are inside and boxes that only touch intersect", () => {
  /** @type {[number, number, number, number]} */
  const box = [0, 0, 10, 10];
  assert.equal(containsPoint(box, 10, 0), true);
  assert.equal(containsPoint(box, 10.01, 5), false);
  assert.equal(intersects(box, [10, 10, 20, 20]), true);
  assert.equal(intersects(box, [10.5, 0, 20, 10]), false);
});

test("the union of no boxes is null, of several the smallest box around them", () => {
  assert.equal(unionBox([]), null);
  assert.deepEqual(
    unionBox([
      [5, 6, 7, 8],
      [1, 9, 3, 12],
    ]),
    [1, 6, 7, 12],
  );
});

test("inflate, center, clamp and round keep the box shape", () => {
  assert.deepEqual(inflate([10, 10, 20, 20], 2), [8, 8, 22, 22]);
  assert.deepEqual(center([0, 0, 10, 20]), { x: 5, y: 10 });
  assert.deepEqual(clampBox([-5, 3, 120, 80], 100, 50), [0, 3, 100, 50]);
  assert.deepEqual(roundBox([1.04, 1.05, 2.449, 3.96]), [1, 1.1, 2.4, 4]);
});

test("screen and page coordinates convert back and forth", () => {
  const view = { scale: 2.5, originX: -40, originY: 12 };
  const page = { x: 33, y: 71 };
  const back = toPage(view, toScreen(view, page));
  assert.ok(Math.abs(back.x - page.x) < 1e-9 && Math.abs(back.y - page.y) < 1e-9);
});

test("zooming keeps the page point under the pointer in place and stays within the limits", () => {
  const view = { scale: 1, originX: 0, originY: 0 };
  const anchor = { x: 300, y: 200 };
  const zoomed = zoomAt(view, 2, anchor);
  assert.equal(zoomed.scale, 2);
  assert.deepEqual(toPage(zoomed, anchor), toPage(view, anchor));
  assert.equal(zoomAt(view, 1000, anchor).scale, MAX_SCALE);
  assert.equal(clampScale(0), MIN_SCALE);
});

test("fit width shows the whole page width, and a page without width keeps scale 1", () => {
  assert.equal(fitWidthScale(1000, 500), 0.5);
  assert.equal(fitWidthScale(0, 500), 1);
});
