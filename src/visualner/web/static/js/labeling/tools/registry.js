// @ts-check
/**
 * Tools turn pointer gestures on the page into store changes. Each is a small object with
 * optional handlers; the registry holds them by name and main.js routes pointer events to
 * the active one.
 */

/**
 * @typedef {{
 *   x: number, y: number, clientX: number, clientY: number,
 *   shift: boolean, toggle: boolean, timeStamp: number,
 * }} PointerInfo page coordinates plus the modifiers tools care about
 */
/**
 * @typedef {{
 *   store: import("../state/store.js").Store,
 *   view: import("../view/page_view.js").PageView,
 *   page: () => import("../task_source.js").PageModel | null,
 *   actions: import("../actions.js").Actions,
 * }} ToolContext
 */
/**
 * @typedef {{
 *   name: string,
 *   title: string,
 *   key: string,
 *   cursor: string,
 *   pointerDown?: (ctx: ToolContext, p: PointerInfo) => void,
 *   pointerMove?: (ctx: ToolContext, p: PointerInfo) => void,
 *   pointerUp?: (ctx: ToolContext, p: PointerInfo) => void,
 *   cancel?: (ctx: ToolContext) => void,
 * }} Tool
 */

export function createToolRegistry() {
  /** @type {Map<string, Tool>} */
  const tools = new Map();
  return {
    /** @param {Tool} tool */
    register(tool) {
      tools.set(tool.name, tool);
    },
    /** @param {string} name @returns {Tool} */
    get(name) {
      const tool = tools.get(name);
      if (!tool) throw new Error(`no tool ${name}`);
      return tool;
    },
    /** @returns {Tool[]} */
    all() {
      return [...tools.values()];
    },
  };
}

/** Pointer travel (screen px) below which a press-release is a click, not a drag. */
export const DRAG_THRESHOLD = 4;

/** @param {PointerInfo} a @param {PointerInfo} b */
export function draggedFar(a, b) {
  return Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY) > DRAG_THRESHOLD;
}
