// @ts-check
/**
 * Document-level <Choices>: radio buttons (single) or checkboxes (multiple).
 */
import { byRole, el } from "../dom.js";

/**
 * @param {HTMLElement} root
 * @param {{config: import("../actions.js").ParsedConfig, actions: import("../actions.js").Actions}} deps
 */
export function createChoicesPanel(root, { config, actions }) {
  const section = byRole(root, "choices-section");
  const host = byRole(root, "choices");
  section.hidden = config.choices.length === 0;
  /** @type {Map<string, HTMLInputElement[]>} */
  const inputs = new Map();
  for (const group of config.choices) {
    const boxes = group.choices.map((choice) => {
      const input = el("input", {
        testid: "choice-input",
        attrs: { type: group.multiple ? "checkbox" : "radio", name: `choice-${group.name}`, value: choice.value },
      });
      input.addEventListener("change", () => {
        const values = (inputs.get(group.name) || []).filter((i) => i.checked).map((i) => i.value);
        actions.setChoices(group.name, values);
      });
      const children = [input, el("span", { text: choice.value })];
      if (choice.hotkey) children.push(el("kbd", { className: "chip-key", text: choice.hotkey }));
      host.append(el("label", { className: "check choice-option" }, children));
      return input;
    });
    inputs.set(group.name, boxes);
    host.prepend();
    boxes[0].closest("label")?.before(el("h3", { className: "choice-title", text: group.name }));
  }
  return {
    /** @param {import("../state/store.js").State} state */
    render(state) {
      for (const [name, boxes] of inputs) {
        const chosen = state.doc.choices[name] || [];
        for (const input of boxes) input.checked = chosen.includes(input.value);
      }
    },
  };
}
