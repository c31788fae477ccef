// @ts-check
/**
 * Review on the labeling page. Which annotation the page shows (`?annotation=ID`,
 * `?prediction=ID`, or for a reviewer the first submitted one), read-only when it is not
 * the viewer's own; for reviewers and managers a panel to switch between the annotators'
 * annotations and the predictions, Edit, Accept (Alt+A), Reject with a comment (Alt+R),
 * "Make ground truth" and "Review next"; for everyone the review's verdict and comment on
 * the annotation shown. Every text is set as text, never as HTML.
 */
import { api } from "../api.js";
import { byRole, el } from "../dom.js";
import { showToast } from "../toast.js";

/**
 * @typedef {{id: number, user: string | null, status: string, version: number,
 *   review_status: string, regions: any[], relations: any[], choices: any}} AnnotationJson
 * @typedef {{id: number, model_version: string, regions: any[], relations: any[]}} PredictionJson
 * @typedef {{kind: "annotation", item: AnnotationJson} | {kind: "prediction", item: PredictionJson}} Source
 * @typedef {{id: number, annotation_id: number, reviewer: string | null, action: string,
 *   comment: string, version: number, created_at: string}} ReviewJson
 */

/**
 * The annotation or prediction the page should show instead of the viewer's own, if any.
 * @param {{annotations: AnnotationJson[], predictions: PredictionJson[]}} task
 * @param {{username: string, can_review?: boolean}} pageData
 * @param {URLSearchParams} params
 * @returns {Source | null}
 */
export function chosenSource(task, pageData, params) {
  const annotationId = Number(params.get("annotation"));
  const annotation = task.annotations.find((a) => a.id === annotationId);
  if (annotation) return { kind: "annotation", item: annotation };
  const predictionId = Number(params.get("prediction"));
  const prediction = task.predictions.find((p) => p.id === predictionId);
  if (prediction) return { kind: "prediction", item: prediction };
  if (!pageData.can_review || task.annotations.some((a) => a.user === pageData.username)) return null;
  const submitted = task.annotations.find((a) => a.status === "submitted");
  return submitted ? { kind: "annotation", item: submitted } : null;
}

/** @param {ReviewJson} review */
function verdictText(review) {
  const who = review.reviewer || "a reviewer";
  return review.action === "reject" ? `To correct — ${who}: ` : `Accepted by ${who}`;
}

/**
 * @param {HTMLElement} root
 * @param {{
 *   taskId: number, projectId: number, username: string, canReview: boolean, canManage: boolean,
 *   task: {annotations: AnnotationJson[], predictions: PredictionJson[]},
 *   shown: AnnotationJson | null, source: Source | null,
 *   store: import("./state/store.js").Store,
 *   saver: import("./autosave.js").Saver,
 *   submit: () => Promise<unknown>,
 *   keymap: ReturnType<typeof import("./hotkeys.js").createKeymap>,
 * }} options
 */
export function createReviewPanel(root, options) {
  const { taskId, projectId, canReview, canManage, task, shown, source, store, saver } = options;
  const panel = el("section", { className: "panel-section review-panel", testid: "review-panel" });
  root.querySelector('[data-testid="side-panel"]')?.prepend(panel);
  const submitButton = /** @type {HTMLButtonElement} */ (byRole(root, "submit"));
  const readOnly = source !== null && (source.kind === "prediction" || source.item.user !== options.username);
  store.setReadOnly(readOnly);
  submitButton.hidden = readOnly;

  const verdict = el("p", { className: "notice review-verdict", testid: "review-verdict" });
  verdict.hidden = true;
  panel.append(verdict);
  if (shown) {
    api(`/api/tasks/${taskId}/reviews`, { quiet: true })
      .then((/** @type {ReviewJson[]} */ reviews) => {
        const last = reviews.filter((r) => r.annotation_id === shown.id).at(-1);
        if (!last || !shown.review_status) return;
        verdict.replaceChildren(
          el("strong", { text: verdictText(last) }),
          el("span", { text: last.action === "reject" ? last.comment : "", testid: "review-comment" }),
        );
        verdict.dataset.action = last.action;
        verdict.hidden = false;
      })
      .catch(() => {});
  }
  if (!canReview) {
    panel.hidden = verdict.hidden;
    new MutationObserver(() => (panel.hidden = verdict.hidden)).observe(verdict, { attributes: true });
    return;
  }

  panel.prepend(el("div", { className: "panel-heading" }, [el("h2", { text: "Review" })]));
  const sources = el("div", { className: "review-sources", testid: "review-sources" });
  /** @param {string} text @param {string} href @param {boolean} current @param {string} testid */
  const sourceLink = (text, href, current, testid) =>
    el("a", {
      className: current ? "btn btn-sm btn-primary" : "btn btn-sm",
      text,
      testid,
      attrs: { href, ...(current ? { "aria-current": "true" } : {}) },
    });
  for (const annotation of task.annotations) {
    const current = source?.kind === "annotation" ? source.item.id === annotation.id : annotation.user === options.username;
    const status = annotation.review_status ? `${annotation.status}, ${annotation.review_status}` : annotation.status;
    sources.append(sourceLink(`${annotation.user || "?"} (${status})`, `?annotation=${annotation.id}`, current, "review-source"));
  }
  for (const prediction of task.predictions) {
    const current = source?.kind === "prediction" && source.item.id === prediction.id;
    sources.append(sourceLink(`Model ${prediction.model_version || ""}`.trim(), `?prediction=${prediction.id}`, current, "review-source-prediction"));
  }
  panel.append(sources);

  const state = el("p", { className: "muted panel-hint", testid: "review-state" });
  const edit = el("button", { className: "btn btn-sm", text: "Edit", testid: "review-edit", attrs: { type: "button" } });
  const accept = el("button", { className: "btn btn-sm btn-primary", text: "Accept", testid: "review-accept", attrs: { type: "button", title: "Accept (Alt+A)" } });
  const reject = el("button", { className: "btn btn-sm btn-danger", text: "Reject…", testid: "review-reject", attrs: { type: "button", title: "Reject with a comment (Alt+R)" } });
  const truth = el("button", { className: "btn btn-sm", text: "Make ground truth", testid: "review-ground-truth", attrs: { type: "button" } });
  const next = el("a", { className: "btn btn-sm btn-ghost", text: "Review next", testid: "review-next", attrs: { href: `/projects/${projectId}/review-next?after=${taskId}` } });
  const comment = el("textarea", { testid: "review-comment-input", attrs: { rows: "3", maxlength: "5000", "aria-label": "What to correct", placeholder: "What to correct" } });
  const sendReject = el("button", { className: "btn btn-sm btn-danger", text: "Reject", testid: "review-reject-confirm", attrs: { type: "button" } });
  const rejectForm = el("div", { className: "review-reject-form" }, [comment, sendReject]);
  rejectForm.hidden = true;
  const reviewable = shown !== null && shown.status === "submitted";
  edit.hidden = !readOnly || shown === null || source?.kind !== "annotation";
  accept.hidden = reject.hidden = !reviewable;
  truth.hidden = !canManage || !reviewable;
  state.textContent = !shown
    ? "Nothing submitted to review yet."
    : `${readOnly ? "Read-only: " : ""}${shown.user || "?"}'s annotation, v${shown.version}, ${shown.status}${shown.review_status ? ` (${shown.review_status})` : ""}.`;
  panel.append(state, el("div", { className: "review-actions" }, [edit, accept, reject, truth, next]), rejectForm);

  edit.addEventListener("click", () => {
    store.setReadOnly(false);
    submitButton.hidden = false;
    edit.hidden = true;
    state.textContent = "Editing: your changes are a new version of this annotation; Accept saves them first.";
  });

  /** The version to review: this page's edits are saved (as a new version) first. */
  async function reviewedVersion() {
    if (saver.state.dirty) await options.submit();
    if (saver.state.dirty || saver.state.conflict) throw new Error("save the changes first");
    return saver.state.version;
  }

  /** @param {"accept" | "reject"} action @param {string} text */
  async function send(action, text = "") {
    if (!shown) return;
    const version = await reviewedVersion();
    await api(`/api/annotations/${shown.id}/review`, { method: "POST", body: { action, version, comment: text } });
    showToast(action === "accept" ? "Accepted." : "Sent back to correct.", "success");
    window.location.assign(next.href);
  }
  const failed = (/** @type {unknown} */ error) => {
    if (error instanceof Error && error.message === "save the changes first") showToast(error.message, "error");
  };
  accept.addEventListener("click", () => send("accept").catch(failed));
  reject.addEventListener("click", () => {
    rejectForm.hidden = false;
    comment.focus();
  });
  sendReject.addEventListener("click", () => {
    if (!comment.value.trim()) {
      showToast("Say what to correct.", "error");
      comment.focus();
      return;
    }
    send("reject", comment.value.trim()).catch(failed);
  });
  truth.addEventListener("click", async () => {
    if (!shown) return;
    await api(`/api/annotations/${shown.id}/ground-truth`, { method: "POST" }).catch(() => null);
    showToast("This annotation is now the task's ground truth.", "success");
  });
  if (reviewable) {
    options.keymap.bind(["alt+a"], "Review: accept the annotation shown", () => accept.click(), "Alt+A");
    options.keymap.bind(["alt+r"], "Review: reject it with a comment", () => reject.click(), "Alt+R");
  }
}
