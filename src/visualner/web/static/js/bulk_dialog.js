// @ts-check
/**
 * The modal the bulk actions ask their question in: a title, the action's own fields, Cancel
 * and a confirm button. Resolves with what `answer` reads from the fields when confirmed
 * (`null` from `answer` keeps the dialog open), or null when cancelled.
 */
import { el } from "./dom.js";

/**
 * @template T
 * @param {{title: string, fields: (Node | string)[], confirm: string, danger?: boolean,
 *   testid?: string, focus?: HTMLElement | null, answer: () => T | null}} spec
 * @returns {Promise<T | null>}
 */
export function askInDialog(spec) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { className: "export-dialog bulk-dialog", testid: spec.testid || "bulk-dialog" });
    const form = el("form", { attrs: { method: "dialog" } });
    const cancel = el("button", { className: "btn", text: "Cancel", testid: "bulk-cancel", attrs: { type: "button" } });
    const confirm = el("button", {
      className: spec.danger ? "btn btn-danger" : "btn btn-primary",
      text: spec.confirm,
      testid: "bulk-confirm",
      attrs: { type: "submit" },
    });
    form.append(el("h2", { text: spec.title }), ...spec.fields, el("div", { className: "dialog-actions" }, [cancel, confirm]));
    dialog.append(form);
    document.body.append(dialog);
    /** @param {T | null} answer */
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener("click", () => finish(null));
    dialog.addEventListener("cancel", () => finish(null));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const answer = spec.answer();
      if (answer !== null) finish(answer);
    });
    dialog.showModal();
    (spec.focus || confirm).focus();
  });
}
