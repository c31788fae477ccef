// @ts-check
/**
 * Free rectangles: drag on the page to draw a box region with the current box label
 * (a <RectangleLabels> label, or any label when the config has none). Clicking without
 * dragging picks the region under the pointer.
 */
import { boxFromCorners, clampBox } from "../model/geometry.js";
import { draggedFar } from "./registry.js";

/** @typedef {import("./registry.js").PointerInfo} PointerInfo */

/** @type {PointerInfo | null} */
let start = null;

/** @type {import("./registry.js").Tool} */
export const drawBoxTool = {
  name: "box",
  title: "Draw a box",
  key: "r",
  cursor: "crosshair",
  pointerDown(_ctx, p) {
    start = p;
  },
  pointerMove(ctx, p) {
    if (!start || !draggedFar(start, p)) return;
    ctx.store.setUi({ draftBox: boxFromCorners(start, p) });
  },
  pointerUp(ctx, p) {
    const from = start;
    start = null;
    if (!from) return;
    const page = ctx.page();
    ctx.store.setUi({ draftBox: null });
    if (!page) return;
    if (!draggedFar(from, p)) {
      const target = ctx.actions.regionAt(p.x, p.y, -1);
      if (ctx.store.state.ui.linkingFrom && target) ctx.actions.finishLink(target);
      else ctx.store.setUi({ activeRegionId: target, selection: [] });
      return;
    }
    ctx.actions.addBox(clampBox(boxFromCorners(from, p), page.width, page.height));
  },
  cancel(ctx) {
    start = null;
    ctx.store.setUi({ draftBox: null });
  },
};
