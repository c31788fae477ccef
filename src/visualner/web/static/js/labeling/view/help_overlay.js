// @ts-check
/**
 * The "?" overlay listing every shortcut that is bound (label keys first).
 */
import { byRole, el } from "../../dom.js";

/** @param {HTMLElement} root @param {import("../hotkeys.js").Keymap} keymap */
export function createHelpOverlay(root, keymap) {
  const overlay = byRole(root, "help-overlay");
  const rows = byRole(root, "help-rows");
  const close = () => {
    overlay.hidden = true;
  };
  byRole(root, "help-close").addEventListener("click", close);
  overlay.addEventListener("click", (event) => {
    if (event.target === overlay) close();
  });
  return {
    get open() {
      return !overlay.hidden;
    },
    toggle() {
      if (!overlay.hidden) return close();
      rows.replaceChildren(
        ...keymap.list().map((binding) =>
          el("tr", { testid: "help-row" }, [
            el("td", {}, binding.keys.split(" / ").map((k) => el("kbd", { className: "chip-key", text: k }))),
            el("td", { text: binding.description }),
          ]),
        ),
      );
      overlay.hidden = false;
    },
    close,
  };
}
