// @ts-check
/**
 * Pointer and wheel input on the page: routes presses to the active tool (the hand while
 * Space or the middle button is held), tracks the hovered word, zooms on Ctrl+wheel.
 */
import { hitTest } from "./model/spatial_index.js";

/**
 * @param {{
 *   viewport: HTMLElement,
 *   ctx: import("./tools/registry.js").ToolContext,
 *   registry: ReturnType<typeof import("./tools/registry.js").createToolRegistry>,
 *   onClickDrawn: (event: PointerEvent, handlerStart: number) => void,
 * }} deps
 */
export function attachPointerInput({ viewport, ctx, registry, onClickDrawn }) {
  const { store, view, actions } = ctx;
  /** @type {import("./tools/registry.js").Tool | null} */
  let activeTool = null;
  let spaceHeld = false;

  /** @param {PointerEvent | MouseEvent} event @returns {import("./tools/registry.js").PointerInfo} */
  function info(event) {
    const point = view.clientToPage(event.clientX, event.clientY);
    return {
      x: point.x,
      y: point.y,
      clientX: event.clientX,
      clientY: event.clientY,
      shift: event.shiftKey,
      toggle: event.ctrlKey || event.metaKey,
      timeStamp: event.timeStamp,
    };
  }

  /** @param {PointerEvent} event pressed on the scrollbars rather than the page */
  function onScrollbar(event) {
    const rect = viewport.getBoundingClientRect();
    return event.clientX - rect.left >= viewport.clientWidth || event.clientY - rect.top >= viewport.clientHeight;
  }

  viewport.addEventListener("pointerdown", (event) => {
    if (event.button > 1 || onScrollbar(event)) return;
    event.preventDefault();
    viewport.focus({ preventScroll: true });
    const panning = spaceHeld || event.button === 1 || store.state.ui.tool === "pan";
    activeTool = panning ? registry.get("pan") : registry.get(store.state.ui.tool);
    viewport.setPointerCapture(event.pointerId);
    activeTool.pointerDown?.(ctx, info(event));
  });

  viewport.addEventListener("pointermove", (event) => {
    if (activeTool) {
      activeTool.pointerMove?.(ctx, info(event));
      return;
    }
    const page = actions.currentPage();
    if (!page) return;
    const p = view.clientToPage(event.clientX, event.clientY);
    store.setUi({ hoverWord: hitTest(page.spatial, p.x, p.y, 1.5 / view.scale) });
  });

  viewport.addEventListener("pointerup", (event) => {
    const handlerStart = performance.now();
    const tool = activeTool;
    activeTool = null;
    if (!tool) return;
    tool.pointerUp?.(ctx, info(event));
    if (tool.name === "select") onClickDrawn(event, handlerStart);
  });

  viewport.addEventListener("pointercancel", () => {
    activeTool?.cancel?.(ctx);
    activeTool = null;
  });

  viewport.addEventListener("pointerleave", () => {
    if (!activeTool) store.setUi({ hoverWord: -1 });
  });

  viewport.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      actions.zoomBy(Math.exp(-event.deltaY * 0.0015), { x: event.clientX, y: event.clientY });
    },
    { passive: false },
  );

  /** @param {boolean} held */
  function setSpace(held) {
    spaceHeld = held;
    viewport.classList.toggle("is-pan-ready", held);
  }
  window.addEventListener("keydown", (event) => {
    if (event.code === "Space" && !isField(event.target)) {
      event.preventDefault();
      setSpace(true);
    }
  });
  window.addEventListener("keyup", (event) => {
    if (event.code === "Space") setSpace(false);
  });
  window.addEventListener("blur", () => setSpace(false));
}

/** @param {EventTarget | null} target */
function isField(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target instanceof HTMLButtonElement;
}
