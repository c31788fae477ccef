// @ts-check
/**
 * The save controls of the labeling page: the autosaver, its status line, Submit/Update,
 * Skip and the conflict banner. Kept apart from `main.js` so the page's wiring reads as a
 * list of parts, and the save rules stay in `autosave.js`.
 */
import { byRole } from "../dom.js";
import { showToast } from "../toast.js";
import { createSaver } from "./autosave.js";
import { guardLeaving } from "./leave_guard.js";

/** @typedef {import("./model/regions.js").Doc} Doc */
/** @typedef {import("./autosave.js").SaveState} SaveState */

/**
 * The status line's text and `data-state` for a save state (pure: the browser tests read both).
 * @param {SaveState} s @returns {[string, string]}
 */
export function saveStatusText(s) {
  if (s.conflict) return ["Not saved: conflict", "conflict"];
  if (s.saving) return ["Saving…", "saving"];
  if (s.error) return ["Save failed", "error"];
  if (s.dirty) return [s.status === "submitted" ? "Unsaved changes: press Update" : "Unsaved changes", "dirty"];
  if (s.status === "submitted") return [`Submitted · v${s.version}`, "submitted"];
  if (s.status === "draft") return [`Draft saved · v${s.version}`, "saved"];
  return ["", "idle"];
}

/**
 * Build the saver for this user's annotation (`own`, or none yet) and wire the save controls.
 * @param {HTMLElement} root
 * @param {{
 *   taskId: number, projectId: number, canAnnotate: boolean,
 *   own: {id: number, version: number, status: import("./autosave.js").SavedStatus} | null,
 *   getDoc: () => Doc,
 *   takeActiveMs?: () => number,
 * }} options
 */
export function createSaveControls(root, { taskId, projectId, canAnnotate, own, getDoc, takeActiveMs }) {
  const saveStatus = byRole(root, "save-status");
  const submitButton = /** @type {HTMLButtonElement} */ (byRole(root, "submit"));
  const nextTask = byRole(root, "next-task");
  const conflict = byRole(root, "conflict");

  /** @param {SaveState} s */
  function showSaveState(s) {
    const [text, state] = saveStatusText(s);
    saveStatus.textContent = text;
    saveStatus.title = s.error || "";
    saveStatus.dataset.state = state;
    submitButton.textContent = s.status === "submitted" ? "Update" : "Submit";
    submitButton.disabled = Boolean(s.conflict) || !canAnnotate;
    nextTask.hidden = s.status !== "submitted";
    if (s.conflict) {
      conflict.hidden = false;
      byRole(conflict, "conflict-detail").textContent = `The server said: ${s.conflict}`;
    }
  }

  const saver = createSaver({
    taskId,
    getDoc,
    initial: own ? { annotationId: own.id, version: own.version, status: own.status } : { annotationId: null, version: 0, status: "none" },
    onChange: showSaveState,
    takeActiveMs,
  });
  showSaveState(saver.state);
  byRole(conflict, "reload").addEventListener("click", () => window.location.reload());

  async function submit() {
    const wasSubmitted = saver.state.status === "submitted";
    if (await saver.submit()) showToast(wasSubmitted ? "Annotation updated." : "Annotation submitted.", "success");
    else if (saver.state.error) showToast(saver.state.error, "error");
  }
  submitButton.addEventListener("click", submit);
  const guard = guardLeaving({
    leavesUnsaved: () => saver.leavesUnsaved(),
    saveDraft: () => saver.saveDraftBeforeLeaving(),
    status: () => saver.state.status,
  });
  byRole(root, "skip").addEventListener("click", async () => {
    if (saver.state.dirty && saver.state.status !== "submitted") await saver.saveNow();
    guard.leave(`/projects/${projectId}/next?after=${taskId}`);
  });
  window.addEventListener("pagehide", () => saver.flushOnLeave());
  return { saver, submit };
}
