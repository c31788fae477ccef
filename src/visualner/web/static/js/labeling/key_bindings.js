// @ts-check
/**
 * The labeling page's keyboard shortcuts: the project's label and choice hotkeys first (they
 * win a clash, see `hotkeys.js`), then the page keys, and the "?" help overlay that lists them.
 */
import { byRole } from "../dom.js";
import { createKeymap } from "./hotkeys.js";
import { createHelpOverlay } from "./view/help_overlay.js";

/**
 * @param {HTMLElement} root
 * @param {{
 *   config: any,
 *   actions: ReturnType<typeof import("./actions.js").createActions>,
 *   saveNow: () => unknown,
 *   submit: () => unknown,
 * }} options
 */
export function bindLabelingKeys(root, { config, actions, saveNow, submit }) {
  const keymap = createKeymap();
  const help = createHelpOverlay(root, keymap);
  for (const group of config.label_groups) {
    for (const label of group.labels) {
      if (label.hotkey) keymap.bind([label.hotkey], `Label “${label.value}”`, () => actions.applyLabel(label.value));
    }
  }
  for (const group of config.choices) {
    for (const choice of group.choices) {
      if (choice.hotkey) keymap.bind([choice.hotkey], `Choose “${choice.value}” (${group.name})`, () => actions.toggleChoice(group.name, choice.value));
    }
  }
  keymap.note("Click · Shift+click · Ctrl+click", "Select a word · select the reading-order range from the last word · add/remove a word");
  keymap.note("Drag", "Rubber band: select every word it touches (Shift+drag adds)");
  keymap.bind(["ctrl+z"], "Undo", actions.undo, "Ctrl+Z");
  keymap.bind(["ctrl+shift+z", "ctrl+y"], "Redo", actions.redo, "Ctrl+Shift+Z / Ctrl+Y");
  keymap.bind(["ctrl+s"], "Save now", () => saveNow(), "Ctrl+S");
  keymap.bind(["ctrl+enter"], "Submit (or update)", () => submit(), "Ctrl+Enter");
  keymap.bind(["delete", "backspace"], "Delete the active region", actions.deleteActive, "Delete / Backspace");
  keymap.bind(["escape"], "Cancel linking · clear the selection", () => (help.open ? help.close() : actions.escape()), "Esc");
  keymap.bind(["shift+a"], "Accept every prediction", actions.acceptAll, "Shift+A");
  if (config.has_relations) keymap.bind(["l"], "Link the active region to another", () => actions.startLink(), "L");
  keymap.bind(["shift+b"], "Show or hide region boxes", actions.toggleRegions, "Shift+B");
  if (config.has_relations) keymap.bind(["shift+l"], "Show or hide relation arrows", actions.toggleRelations, "Shift+L");
  keymap.bind(["v"], "Select tool", () => actions.setTool("select"), "V");
  keymap.bind(["r"], "Box tool (draw a free rectangle)", () => actions.setTool("box"), "R");
  keymap.note("Space+drag", "Pan (or drag with the middle button)");
  keymap.bind(["]", "pagedown"], "Next page", actions.nextPage, "] / PageDown");
  keymap.bind(["[", "pageup"], "Previous page", actions.prevPage, "[ / PageUp");
  keymap.bind(["+", "="], "Zoom in", actions.zoomIn, "+");
  keymap.bind(["-"], "Zoom out", actions.zoomOut, "−");
  keymap.note("Ctrl+wheel", "Zoom around the pointer");
  keymap.bind(["0"], "Fit the page width", actions.fitWidth, "0");
  keymap.bind(["?"], "Show or hide these shortcuts", () => help.toggle(), "?");
  window.addEventListener("keydown", (event) => keymap.handle(event));
  byRole(root, "help").addEventListener("click", () => help.toggle());
  return keymap;
}
