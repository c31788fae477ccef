// @ts-check
/**
 * OCR from the labeling page: the "Run OCR" button (managers) reads every page of the task
 * with the default OCR server, through the same job as the task list's bulk "OCR again"
 * (`POST /api/tasks/{id}/ocr`); and the empty state of a page without words, which says why
 * (imported without OCR, or OCR failed) and what to do instead of "Click words…".
 */
import { api } from "../api.js";
import { byRole } from "../dom.js";
import { followJob, jobOutcome } from "../job_progress.js";
import { showToast } from "../toast.js";

/**
 * @param {{word_count?: number, words?: unknown[], ocr_status?: string, ocr_error?: string}} page
 * @returns {string} why the page has no words, or "" when it has some
 */
export function noWordsReason(page) {
  const count = page.word_count ?? (page.words ? page.words.length : 0);
  if (count > 0) return "";
  if (page.ocr_status === "failed") return `OCR failed on this page: ${page.ocr_error || "no reason given"}.`;
  if (page.ocr_status === "done") return "OCR found no words on this page.";
  return "This page has no words: it was imported without OCR, or its OCR has not run yet.";
}

/**
 * @param {{
 *   root: HTMLElement, taskId: number, canManage: boolean,
 *   pageMeta: (index: number) => {word_count?: number, words?: unknown[], ocr_status?: string, ocr_error?: string},
 *   pageCount: number, isDirty: () => boolean,
 * }} deps
 * @returns {{showEmptyState: (index: number) => void}}
 */
export function createPageOcr({ root, taskId, canManage, pageMeta, pageCount, isDirty }) {
  const button = /** @type {HTMLButtonElement} */ (byRole(root, "run-ocr"));
  const empty = byRole(root, "no-words");
  const emptyText = byRole(empty, "no-words-text");
  const emptyButton = /** @type {HTMLButtonElement} */ (byRole(empty, "no-words-run-ocr"));
  const regionsHint = byRole(root, "regions-empty");
  button.hidden = !canManage;
  emptyButton.hidden = !canManage;

  async function run() {
    let hasWords = false;
    for (let i = 0; i < pageCount; i += 1) if (!noWordsReason(pageMeta(i))) hasWords = true;
    if (hasWords && !window.confirm("Read every page of this task again? Their words are replaced.")) return;
    button.disabled = emptyButton.disabled = true;
    button.textContent = "Running OCR…";
    try {
      const { job_id: jobId } = await api(`/api/tasks/${taskId}/ocr`, { method: "POST", body: {} });
      const job = await followJob(jobId, () => {});
      const outcome = jobOutcome(job, "OCR", "OCR finished.");
      if (outcome.kind === "success" && !isDirty()) {
        window.location.reload();
        return;
      }
      showToast(
        outcome.kind === "success" ? `${outcome.message} Save, then reload the page to see the words.` : outcome.message,
        outcome.kind,
      );
    } catch {
      // api() has shown the server's message.
    } finally {
      button.disabled = emptyButton.disabled = false;
      button.textContent = "Run OCR";
    }
  }
  button.addEventListener("click", run);
  emptyButton.addEventListener("click", run);

  return {
    showEmptyState(index) {
      const reason = noWordsReason(pageMeta(index));
      empty.hidden = !reason;
      regionsHint.classList.toggle("is-hidden-by-empty-page", Boolean(reason));
      emptyText.textContent = reason
        ? `${reason} Draw boxes with the box tool (R)${canManage ? ", or run OCR to read the words" : ""}.`
        : "";
    },
  };
}
