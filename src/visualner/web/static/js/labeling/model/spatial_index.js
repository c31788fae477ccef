// @ts-check
/**
 * A uniform grid over a page's word boxes: hit tests and rubber-band queries look at a few
 * cells instead of every word. Built once per page in O(n) (two passes, compressed rows),
 * immutable afterwards, so it is cheap to rebuild for every page shown.
 */

/**
 * @typedef {{
 *   boxes: Float32Array,
 *   count: number,
 *   cellSize: number,
 *   cols: number,
 *   rows: number,
 *   cellStart: Int32Array,
 *   items: Int32Array,
 *   marks: Uint32Array,
 *   stamp: number,
 * }} SpatialIndex
 */

const TARGET_WORDS_PER_CELL = 4;

/**
 * @param {ArrayLike<number>} boxes flat `[x0, y0, x1, y1, …]` of `count` words
 * @param {number} width page width
 * @param {number} height page height
 * @returns {SpatialIndex}
 */
export function buildSpatialIndex(boxes, width, height) {
  const count = Math.floor(boxes.length / 4);
  const flat = Float32Array.from(boxes);
  const area = Math.max(1, width * height);
  const cellSize = Math.max(8, Math.sqrt((area * TARGET_WORDS_PER_CELL) / Math.max(1, count)));
  const cols = Math.max(1, Math.ceil(width / cellSize));
  const rows = Math.max(1, Math.ceil(height / cellSize));
  const spans = new Int32Array(count * 4);
  const counts = new Int32Array(cols * rows + 1);
  for (let i = 0; i < count; i++) {
    const o = i * 4;
    const c0 = (spans[o] = clampCell(Math.floor(flat[o] / cellSize), cols));
    const r0 = (spans[o + 1] = clampCell(Math.floor(flat[o + 1] / cellSize), rows));
    const c1 = (spans[o + 2] = clampCell(Math.floor(flat[o + 2] / cellSize), cols));
    const r1 = (spans[o + 3] = clampCell(Math.floor(flat[o + 3] / cellSize), rows));
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) counts[r * cols + c + 1]++;
  }
  for (let k = 1; k < counts.length; k++) counts[k] += counts[k - 1];
  const cellStart = counts;
  const fill = cellStart.slice(0, cols * rows);
  const items = new Int32Array(cellStart[cols * rows]);
  for (let i = 0; i < count; i++) {
    const o = i * 4;
    for (let r = spans[o + 1]; r <= spans[o + 3]; r++) {
      for (let c = spans[o]; c <= spans[o + 2]; c++) items[fill[r * cols + c]++] = i;
    }
  }
  return {
    boxes: flat,
    count,
    cellSize,
    cols,
    rows,
    cellStart,
    items,
    marks: new Uint32Array(count),
    stamp: 0,
  };
}

/** @param {number} v @param {number} n */
function clampCell(v, n) {
  return v < 0 ? 0 : v >= n ? n - 1 : v;
}

/**
 * The word under a point (the smallest when boxes overlap), or -1.
 * @param {SpatialIndex} index @param {number} x @param {number} y @param {number} [slop]
 *   extra page pixels around each box (for thin words at low zoom)
 */
export function hitTest(index, x, y, slop = 0) {
  const c = Math.floor(x / index.cellSize);
  const r = Math.floor(y / index.cellSize);
  if (c < -1 || r < -1 || c > index.cols || r > index.rows) return -1;
  const { boxes, items, cellStart } = index;
  const cell = clampCell(r, index.rows) * index.cols + clampCell(c, index.cols);
  let best = -1;
  let bestArea = Infinity;
  for (let k = cellStart[cell]; k < cellStart[cell + 1]; k++) {
    const i = items[k];
    const o = i * 4;
    if (
      x >= boxes[o] - slop &&
      x <= boxes[o + 2] + slop &&
      y >= boxes[o + 1] - slop &&
      y <= boxes[o + 3] + slop
    ) {
      const area = (boxes[o + 2] - boxes[o]) * (boxes[o + 3] - boxes[o + 1]);
      if (area < bestArea) {
        best = i;
        bestArea = area;
      }
    }
  }
  return best;
}

/**
 * Words whose boxes intersect `box`, in reading order (ascending index).
 * @param {SpatialIndex} index @param {[number, number, number, number]} box
 * @returns {number[]}
 */
export function queryBox(index, box) {
  const { boxes, items, cellStart, cellSize, cols, rows } = index;
  const c0 = clampCell(Math.floor(box[0] / cellSize), cols);
  const r0 = clampCell(Math.floor(box[1] / cellSize), rows);
  const c1 = clampCell(Math.floor(box[2] / cellSize), cols);
  const r1 = clampCell(Math.floor(box[3] / cellSize), rows);
  index.stamp = (index.stamp + 1) >>> 0;
  if (index.stamp === 0) {
    index.marks.fill(0);
    index.stamp = 1;
  }
  const stamp = index.stamp;
  /** @type {number[]} */
  const found = [];
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const cell = r * cols + c;
      for (let k = cellStart[cell]; k < cellStart[cell + 1]; k++) {
        const i = items[k];
        if (index.marks[i] === stamp) continue;
        index.marks[i] = stamp;
        const o = i * 4;
        if (boxes[o] <= box[2] && box[0] <= boxes[o + 2] && boxes[o + 1] <= box[3] && box[1] <= boxes[o + 3]) {
          found.push(i);
        }
      }
    }
  }
  return found.sort((a, b) => a - b);
}
