// @ts-check
/**
 * The toolbar: label buttons (colour, hotkey), tools, undo/redo, zoom and page controls.
 * Built once; `update` only flips states, so it is cheap to call on every change.
 */
import { byRole, el } from "../../dom.js";

/**
 * @param {HTMLElement} root
 * @param {{
 *   config: import("../actions.js").ParsedConfig,
 *   tools: import("../tools/registry.js").Tool[],
 *   actions: import("../actions.js").Actions,
 *   pageCount: number,
 * }} deps
 */
export function createToolbar(root, { config, tools, actions, pageCount }) {
  const labelHost = byRole(root, "labels");
  /** @type {HTMLButtonElement[]} */
  const labelButtons = [];
  for (const group of config.label_groups) {
    const buttons = group.labels.map((label) => {
      const button = el(
        "button",
        {
          className: "chip label-button",
          testid: "label-button",
          attrs: { type: "button", title: label.hotkey ? `${label.value} (${label.hotkey})` : label.value },
          dataset: { value: label.value, kind: group.kind },
        },
        [el("span", { className: "chip-dot" }), el("span", { className: "chip-text", text: label.value })],
      );
      button.style.setProperty("--chip-color", label.background);
      if (label.hotkey) button.append(el("kbd", { className: "chip-key", text: label.hotkey }));
      button.addEventListener("click", () => actions.applyLabel(label.value));
      labelButtons.push(button);
      return button;
    });
    const title = group.kind === "rectanglelabels" ? "Boxes" : "Words";
    labelHost.append(el("div", { className: "label-group", dataset: { kind: group.kind } }, [
      el("span", { className: "label-group-title", text: title }),
      ...buttons,
    ]));
  }

  const toolHost = byRole(root, "tools");
  const toolButtons = tools.map((tool) => {
    const button = el("button", {
      className: "btn btn-sm",
      testid: `tool-${tool.name}`,
      text: tool.title,
      attrs: { type: "button", title: tool.key ? `${tool.title} (${tool.key})` : `${tool.title} (hold Space)` },
      dataset: { tool: tool.name },
    });
    button.addEventListener("click", () => actions.setTool(tool.name));
    toolHost.append(button);
    return button;
  });

  /** @param {string} role @param {() => void} run */
  const on = (role, run) => byRole(root, role).addEventListener("click", run);
  on("undo", actions.undo);
  on("redo", actions.redo);
  on("zoom-in", actions.zoomIn);
  on("zoom-out", actions.zoomOut);
  on("fit", actions.fitWidth);
  on("prev-page", actions.prevPage);
  on("next-page", actions.nextPage);

  const undo = /** @type {HTMLButtonElement} */ (byRole(root, "undo"));
  const redo = /** @type {HTMLButtonElement} */ (byRole(root, "redo"));
  const prev = /** @type {HTMLButtonElement} */ (byRole(root, "prev-page"));
  const next = /** @type {HTMLButtonElement} */ (byRole(root, "next-page"));
  const pageLabel = byRole(root, "page-label");
  const zoomLabel = byRole(root, "fit");

  return {
    /**
     * @param {import("../state/store.js").State} state
     * @param {{canUndo: boolean, canRedo: boolean}} history
     */
    update(state, history) {
      const { ui } = state;
      for (const button of toolButtons) button.classList.toggle("active", button.dataset.tool === ui.tool);
      for (const button of labelButtons) {
        button.classList.toggle("is-box-label", ui.tool === "box" && button.dataset.value === (ui.boxLabel || actions.defaultBoxLabel));
      }
      undo.disabled = !history.canUndo;
      redo.disabled = !history.canRedo;
      pageLabel.textContent = `Page ${ui.page + 1} of ${pageCount}`;
      prev.disabled = ui.page <= 0;
      next.disabled = ui.page >= pageCount - 1;
      zoomLabel.textContent = `${Math.round(ui.scale * 100)}%`;
    },
  };
}
