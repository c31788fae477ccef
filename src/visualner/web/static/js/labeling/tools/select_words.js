// @ts-check
/**
 * The default tool. Click a word to select it; Shift+click selects the reading-order range
 * from the last clicked word; Ctrl/⌘+click adds or removes one word; dragging draws a rubber
 * band that selects every word it touches (Shift+drag adds to the selection). Clicking a
 * word of a region (or inside a free box) also makes that region active.
 */
import { boxFromCorners } from "../model/geometry.js";
import { readingRange } from "../model/regions.js";
import { hitTest, queryBox } from "../model/spatial_index.js";
import { draggedFar } from "./registry.js";

/** @typedef {import("./registry.js").PointerInfo} PointerInfo */
/** @typedef {import("./registry.js").ToolContext} ToolContext */

/** @type {{start: PointerInfo, base: number[], dragging: boolean} | null} */
let gesture = null;

/** @param {ToolContext} ctx @param {PointerInfo} p */
function wordAt(ctx, p) {
  const page = ctx.page();
  return page ? hitTest(page.spatial, p.x, p.y, 1.5 / ctx.view.scale) : -1;
}

/** @type {import("./registry.js").Tool} */
export const selectWordsTool = {
  name: "select",
  title: "Select words",
  key: "v",
  cursor: "default",
  pointerDown(ctx, p) {
    gesture = { start: p, base: p.shift || p.toggle ? ctx.store.state.ui.selection : [], dragging: false };
  },
  pointerMove(ctx, p) {
    const page = ctx.page();
    if (!gesture || !page) return;
    if (!gesture.dragging && !draggedFar(gesture.start, p)) return;
    gesture.dragging = true;
    const band = boxFromCorners(gesture.start, p);
    const inBand = queryBox(page.spatial, band);
    const selection = gesture.base.length ? [...new Set([...gesture.base, ...inBand])].sort((a, b) => a - b) : inBand;
    ctx.store.setUi({ band, selection, hoverWord: -1 });
  },
  pointerUp(ctx, p) {
    const current = gesture;
    gesture = null;
    if (!current) return;
    const { store } = ctx;
    if (current.dragging) {
      const selection = store.state.ui.selection;
      store.setUi({ band: null, anchor: selection.length ? selection[0] : -1, activeRegionId: null });
      return;
    }
    const word = wordAt(ctx, p);
    if (store.state.ui.linkingFrom) {
      const target = ctx.actions.regionAt(p.x, p.y, word);
      if (target) ctx.actions.finishLink(target);
      return;
    }
    const { selection, anchor } = store.state.ui;
    if (word < 0) {
      const box = ctx.actions.regionAt(p.x, p.y, -1);
      store.setUi({ selection: [], anchor: -1, activeRegionId: box });
      return;
    }
    let next;
    if (p.shift && anchor >= 0) next = readingRange(anchor, word);
    else if (p.toggle) {
      next = selection.includes(word) ? selection.filter((w) => w !== word) : [...selection, word].sort((a, b) => a - b);
    } else next = [word];
    store.setUi({
      selection: next,
      anchor: p.shift && anchor >= 0 ? anchor : word,
      activeRegionId: ctx.actions.regionAt(p.x, p.y, word),
    });
  },
  cancel(ctx) {
    gesture = null;
    ctx.store.setUi({ band: null });
  },
};
