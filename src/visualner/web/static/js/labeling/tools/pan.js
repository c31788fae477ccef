// @ts-check
/**
 * Moving the page around: the hand tool, or any tool while Space is held (or with the
 * middle mouse button).
 */

/** @type {{x: number, y: number, left: number, top: number} | null} */
let grab = null;

/** @type {import("./registry.js").Tool} */
export const panTool = {
  name: "pan",
  title: "Pan",
  key: "",
  cursor: "grab",
  pointerDown(ctx, p) {
    const viewport = ctx.view.el.viewport;
    grab = { x: p.clientX, y: p.clientY, left: viewport.scrollLeft, top: viewport.scrollTop };
    viewport.classList.add("is-panning");
  },
  pointerMove(ctx, p) {
    if (!grab) return;
    const viewport = ctx.view.el.viewport;
    viewport.scrollLeft = grab.left - (p.clientX - grab.x);
    viewport.scrollTop = grab.top - (p.clientY - grab.y);
  },
  pointerUp(ctx) {
    grab = null;
    ctx.view.el.viewport.classList.remove("is-panning");
  },
  cancel(ctx) {
    grab = null;
    ctx.view.el.viewport.classList.remove("is-panning");
  },
};
