// @ts-check
/**
 * Drawing on a canvas whose transform maps page pixels to device pixels. Line widths and
 * font sizes are given in screen pixels and divided by the scale here, so strokes stay crisp
 * at every zoom. Text drawn with fillText is never parsed as markup.
 */
import { center } from "../model/geometry.js";
import { isPending } from "../model/regions.js";

/** @typedef {import("../model/regions.js").Region} Region */
/** @typedef {import("../model/regions.js").Word} Word */
/** @typedef {import("../model/geometry.js").Box} Box */

const WORD_STROKE = "rgba(79, 70, 229, 0.55)";
// A light halo under the word outline: the outline shows on white pages, the halo on dark ones.
const WORD_HALO = "rgba(255, 255, 255, 0.7)";
const SELECTION_FILL = "rgba(79, 70, 229, 0.28)";
const SELECTION_STROKE = "#4f46e5";
const LOW_CONFIDENCE_STROKE = "#d97706";

/**
 * Every word box of the page as one path: thousands of rects cost two stroke calls, the
 * contrasting halo and the outline over it, so boxes stay visible on light and dark pages.
 * @param {CanvasRenderingContext2D} ctx @param {Float32Array} boxes @param {number} scale
 */
export function drawWordBoxes(ctx, boxes, scale) {
  ctx.beginPath();
  for (let o = 0; o < boxes.length; o += 4) {
    ctx.rect(boxes[o], boxes[o + 1], boxes[o + 2] - boxes[o], boxes[o + 3] - boxes[o + 1]);
  }
  ctx.lineWidth = 3 / scale;
  ctx.strokeStyle = WORD_HALO;
  ctx.stroke();
  ctx.lineWidth = 1 / scale;
  ctx.strokeStyle = WORD_STROKE;
  ctx.stroke();
}

/**
 * Words read with a confidence below `threshold`: a dashed amber box and underline, so
 * annotators see where to check the text. Returns how many were marked.
 * @param {CanvasRenderingContext2D} ctx @param {Word[]} words @param {number} threshold
 * @param {number} scale
 */
export function drawLowConfidence(ctx, words, threshold, scale) {
  let marked = 0;
  ctx.beginPath();
  for (const word of words) {
    if (word.confidence === undefined || word.confidence >= threshold) continue;
    const [x0, y0, x1, y1] = word.bbox;
    ctx.rect(x0, y0, x1 - x0, y1 - y0);
    ctx.moveTo(x0, y1 + 2 / scale);
    ctx.lineTo(x1, y1 + 2 / scale);
    marked += 1;
  }
  if (!marked) return 0;
  ctx.strokeStyle = LOW_CONFIDENCE_STROKE;
  ctx.lineWidth = 1.5 / scale;
  ctx.setLineDash([3 / scale, 2 / scale]);
  ctx.stroke();
  ctx.setLineDash([]);
  return marked;
}

/**
 * @param {CanvasRenderingContext2D} ctx @param {Region} region @param {Word[]} words
 * @param {string} color @param {number} scale
 */
export function drawRegion(ctx, region, words, color, scale) {
  const pending = isPending(region);
  ctx.beginPath();
  if (region.tokens.length) {
    for (const t of region.tokens) {
      const w = words[t];
      if (w) ctx.rect(w.bbox[0], w.bbox[1], w.bbox[2] - w.bbox[0], w.bbox[3] - w.bbox[1]);
    }
  } else if (region.bbox) {
    const b = region.bbox;
    ctx.rect(b[0], b[1], b[2] - b[0], b[3] - b[1]);
  }
  ctx.fillStyle = color;
  ctx.globalAlpha = region.tokens.length ? (pending ? 0.14 : 0.3) : 0.1;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.strokeStyle = color;
  ctx.lineWidth = (region.tokens.length ? 1.5 : 2) / scale;
  ctx.setLineDash(pending ? [5 / scale, 3 / scale] : []);
  ctx.stroke();
  ctx.setLineDash([]);
  const anchor = region.tokens.length && words[region.tokens[0]] ? words[region.tokens[0]].bbox : region.bbox;
  if (anchor) drawTag(ctx, anchor, pending ? `${region.label} · prediction` : region.label, color, scale);
}

/**
 * A small label tag above a box's top-left corner.
 * @param {CanvasRenderingContext2D} ctx @param {Box} box @param {string} text
 * @param {string} color @param {number} scale
 */
function drawTag(ctx, box, text, color, scale) {
  if (scale < 0.35) return;
  const size = 10 / scale;
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  const width = ctx.measureText(text).width + 6 / scale;
  const height = size + 4 / scale;
  const y = Math.max(0, box[1] - height);
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.9;
  ctx.fillRect(box[0], y, width, height);
  ctx.globalAlpha = 1;
  ctx.fillStyle = "#fff";
  ctx.textBaseline = "middle";
  ctx.fillText(text, box[0] + 3 / scale, y + height / 2);
}

/**
 * An arrow between two regions' boxes (relation `from → to`).
 * @param {CanvasRenderingContext2D} ctx @param {Box} from @param {Box} to @param {number} scale
 * @param {boolean} highlighted
 */
export function drawRelation(ctx, from, to, scale, highlighted) {
  const a = center(from);
  const b = center(to);
  const bend = 0.18;
  const cx = (a.x + b.x) / 2 - (b.y - a.y) * bend;
  const cy = (a.y + b.y) / 2 + (b.x - a.x) * bend;
  ctx.strokeStyle = highlighted ? "#4f46e5" : "rgba(31, 41, 55, 0.7)";
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = (highlighted ? 2.5 : 1.5) / scale;
  ctx.beginPath();
  ctx.moveTo(a.x, a.y);
  ctx.quadraticCurveTo(cx, cy, b.x, b.y);
  ctx.stroke();
  const angle = Math.atan2(b.y - cy, b.x - cx);
  const head = 8 / scale;
  ctx.beginPath();
  ctx.moveTo(b.x, b.y);
  ctx.lineTo(b.x - head * Math.cos(angle - 0.4), b.y - head * Math.sin(angle - 0.4));
  ctx.lineTo(b.x - head * Math.cos(angle + 0.4), b.y - head * Math.sin(angle + 0.4));
  ctx.closePath();
  ctx.fill();
}

/**
 * Selected words: filled and outlined in the accent colour.
 * @param {CanvasRenderingContext2D} ctx @param {Float32Array} boxes @param {number[]} selection
 * @param {number} scale
 */
export function drawSelection(ctx, boxes, selection, scale) {
  if (!selection.length) return;
  ctx.beginPath();
  for (const i of selection) {
    const o = i * 4;
    ctx.rect(boxes[o], boxes[o + 1], boxes[o + 2] - boxes[o], boxes[o + 3] - boxes[o + 1]);
  }
  ctx.fillStyle = SELECTION_FILL;
  ctx.fill();
  ctx.lineWidth = 1.5 / scale;
  ctx.strokeStyle = SELECTION_STROKE;
  ctx.stroke();
}

/**
 * @param {CanvasRenderingContext2D} ctx @param {Box} box @param {string} color @param {number} scale
 * @param {{dashed?: boolean, width?: number, fill?: number}} [style]
 */
export function drawBoxOutline(ctx, box, color, scale, { dashed = false, width = 1.5, fill = 0 } = {}) {
  ctx.beginPath();
  ctx.rect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
  if (fill) {
    ctx.globalAlpha = fill;
    ctx.fillStyle = color;
    ctx.fill();
    ctx.globalAlpha = 1;
  }
  ctx.setLineDash(dashed ? [4 / scale, 3 / scale] : []);
  ctx.lineWidth = width / scale;
  ctx.strokeStyle = color;
  ctx.stroke();
  ctx.setLineDash([]);
}

/**
 * A thick halo around the active region's words (or box).
 * @param {CanvasRenderingContext2D} ctx @param {Region} region @param {Word[]} words
 * @param {string} color @param {number} scale
 */
export function drawActiveRegion(ctx, region, words, color, scale) {
  const pad = 2 / scale;
  ctx.beginPath();
  const boxes = region.tokens.length ? region.tokens.map((t) => words[t] && words[t].bbox) : [region.bbox];
  for (const b of boxes) {
    if (b) ctx.rect(b[0] - pad, b[1] - pad, b[2] - b[0] + 2 * pad, b[3] - b[1] + 2 * pad);
  }
  ctx.lineWidth = 4 / scale;
  ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
  ctx.stroke();
  ctx.lineWidth = 2.5 / scale;
  ctx.strokeStyle = color;
  ctx.stroke();
}

/**
 * Mark the words a search matched (under the regions, like a highlighter pen).
 * @param {CanvasRenderingContext2D} ctx @param {{bbox: Box}[]} words @param {number[]} hits
 */
export function drawSearchHits(ctx, words, hits) {
  ctx.fillStyle = "rgba(255, 214, 0, 0.45)";
  for (const index of hits) {
    const word = words[index];
    if (!word) continue;
    const [x0, y0, x1, y1] = word.bbox;
    ctx.fillRect(x0 - 1, y0 - 1, x1 - x0 + 2, y1 - y0 + 2);
  }
}
