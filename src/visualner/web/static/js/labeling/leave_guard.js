// @ts-check
/**
 * Leaving the labeling page never drops unsaved edits silently. Pending draft edits are sent
 * as the page unloads (`flushOnLeave`); edits that would not be sent — on a submitted
 * annotation (they wait for Update), after a conflict, while a save is under way, or a draft
 * too big for an unload-time request — make the browser ask before unloading
 * (`beforeunload`); the page's own links and buttons save a draft first and ask in a dialog
 * only when that fails or the edits wait for Update.
 */
import { askInDialog } from "../bulk_dialog.js";
import { el } from "../dom.js";

/**
 * @param {{leavesUnsaved: () => boolean, saveDraft: () => Promise<boolean>, status: () => string}} saver
 * @returns {{leave: (url: string) => Promise<void>}}
 */
export function guardLeaving(saver) {
  let confirmed = false;
  window.addEventListener("beforeunload", (event) => {
    if (confirmed || !saver.leavesUnsaved()) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers need it set to show the prompt
  });

  /** Ask first when edits would be lost; go to `url` unless the user stays. @param {string} url */
  async function leave(url) {
    if (saver.leavesUnsaved()) await saver.saveDraft();
    if (saver.leavesUnsaved()) {
      const hint = saver.status() === "submitted" ? "Press Update to keep them in a new version." : "They could not be saved.";
      const answer = await askInDialog({
        title: "Leave without saving your changes?",
        fields: [el("p", { text: `Your changes on this task are not saved. ${hint}` })],
        confirm: "Leave without saving",
        danger: true,
        testid: "leave-dialog",
        answer: () => true,
      });
      if (!answer) return;
      confirmed = true;
    }
    window.location.assign(url);
  }

  document.addEventListener(
    "click",
    (event) => {
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!(link instanceof HTMLAnchorElement) || link.target || link.hasAttribute("download")) return;
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      if (!saver.leavesUnsaved() || link.href.split("#")[0] === window.location.href.split("#")[0]) return;
      event.preventDefault();
      leave(link.href);
    },
    true,
  );
  return { leave };
}
