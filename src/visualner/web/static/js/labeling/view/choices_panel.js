// @ts-check
/**
 * Document-level <Choices>: radio buttons (single) or checkboxes (multiple).
 */
import { byRole, el } from "../../dom.js";

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
      return input;
    });
    const options = group.choices.map((choice, i) => {
      const children = [boxes[i], el("span", { text: choice.value })];
      if (choice.hotkey) children.push(el("kbd", { className: "chip-key", text: choice.hotkey }));
      return el("label", { className: "check choice-option" }, children);
    });
    inputs.set(group.name, boxes);
    host.append(
      el("fieldset", { className: "choice-group", testid: "choice-group", dataset: { name: group.name } }, [
        el("legend", { className: "choice-title", text: group.name }),
        ...options,
      ]),
    );
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
