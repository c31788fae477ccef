// @ts-check
/**
 * Geometry as pure functions: boxes are `[x0, y0, x1, y1]` in page pixels (top-left origin),
 * a view is `{scale, originX, originY}` mapping page pixels to screen pixels.
 */

/** @typedef {[number, number, number, number]} Box */
/** @typedef {{x: number, y: number}} Point */
/** @typedef {{scale: number, originX: number, originY: number}} ViewTransform */

export const MIN_SCALE = 0.1;
export const MAX_SCALE = 8;

/**
 * The box spanned by two corners, whatever the drag direction.
 * @param {Point} a @param {Point} b @returns {Box}
 */
export function boxFromCorners(a, b) {
  return [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x), Math.max(a.y, b.y)];
}

/** @param {Box} box */
export function boxWidth(box) {
  return box[2] - box[0];
}

/** @param {Box} box */
export function boxHeight(box) {
  return box[3] - box[1];
}

/** @param {Box} box @param {number} x @param {number} y */
export function containsPoint(box, x, y) {
  return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
}

/** Whether two boxes overlap (touching edges count). @param {Box} a @param {Box} b */
export function intersects(a, b) {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/**
 * The smallest box holding all `boxes`; null for none.
 * @param {Iterable<Box>} boxes @returns {Box | null}
 */
export function unionBox(boxes) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const b of boxes) {
    if (b[0] < x0) x0 = b[0];
    if (b[1] < y0) y0 = b[1];
    if (b[2] > x1) x1 = b[2];
    if (b[3] > y1) y1 = b[3];
  }
  return x0 === Infinity ? null : [x0, y0, x1, y1];
}

/** @param {Box} box @param {number} margin @returns {Box} */
export function inflate(box, margin) {
  return [box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin];
}

/** @param {Box} box @returns {Point} */
export function center(box) {
  return { x: (box[0] + box[2]) / 2, y: (box[1] + box[3]) / 2 };
}

/** @param {Box} box @param {number} width @param {number} height @returns {Box} */
export function clampBox(box, width, height) {
  const clamp = (/** @type {number} */ v, /** @type {number} */ hi) => Math.min(Math.max(v, 0), hi);
  return [clamp(box[0], width), clamp(box[1], height), clamp(box[2], width), clamp(box[3], height)];
}

/** @param {Box} box @returns {Box} rounded to 0.1 px, as the API stores boxes */
export function roundBox(box) {
  return /** @type {Box} */ (box.map((v) => Math.round(v * 10) / 10));
}

/** @param {ViewTransform} view @param {Point} screen @returns {Point} */
export function toPage(view, screen) {
  return { x: (screen.x - view.originX) / view.scale, y: (screen.y - view.originY) / view.scale };
}

/** @param {ViewTransform} view @param {Point} point @returns {Point} */
export function toScreen(view, point) {
  return { x: point.x * view.scale + view.originX, y: point.y * view.scale + view.originY };
}

/** @param {number} scale */
export function clampScale(scale) {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

/**
 * Zoom by `factor` keeping the page point under `anchor` (screen) where it is.
 * @param {ViewTransform} view @param {number} factor @param {Point} anchor
 * @returns {ViewTransform}
 */
export function zoomAt(view, factor, anchor) {
  const scale = clampScale(view.scale * factor);
  const page = toPage(view, anchor);
  return { scale, originX: anchor.x - page.x * scale, originY: anchor.y - page.y * scale };
}

/**
 * The scale that shows a page's full width in `available` screen pixels.
 * @param {number} pageWidth @param {number} available
 */
export function fitWidthScale(pageWidth, available) {
  return clampScale(pageWidth > 0 ? available / pageWidth : 1);
}
