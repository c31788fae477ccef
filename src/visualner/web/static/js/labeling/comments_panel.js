// @ts-check
/**
 * Comments on the labeling page: the task's comments (author, time, text; a region comment
 * names its region and clicking it highlights the region on its page), resolve / reopen,
 * and a form to comment on the task or on the active region. Text is only ever set as text.
 */
import { api } from "../api.js";
import { el, formatDate } from "../dom.js";
import { showToast } from "../toast.js";

/**
 * @typedef {{id: number, author: string | null, body: string, annotation_id: number | null,
 *   region_id: string | null, resolved: boolean, resolved_by: string | null, created_at: string}} CommentJson
 */

/**
 * @param {HTMLElement} root
 * @param {{
 *   taskId: number, username: string, canReview: boolean,
 *   store: import("./state/store.js").Store,
 *   focusRegion: (id: string) => void,
 *   annotationId: () => number | null,
 * }} options
 */
export function createCommentsPanel(root, { taskId, username, canReview, store, focusRegion, annotationId }) {
  const count = el("span", { className: "tab-count", testid: "comments-open-count", text: "0" });
  const list = el("ol", { className: "comment-list", testid: "comment-list" });
  const input = el("textarea", {
    testid: "comment-input",
    attrs: { rows: "2", maxlength: "5000", "aria-label": "Add a comment", placeholder: "Add a comment" },
  });
  const onRegion = el("input", { testid: "comment-on-region", attrs: { type: "checkbox" } });
  const add = el("button", { className: "btn btn-sm", text: "Comment", testid: "comment-add", attrs: { type: "button" } });
  const panel = el("section", { className: "panel-section comments-panel", testid: "comments-panel" }, [
    el("div", { className: "panel-heading" }, [el("h2", {}, ["Comments ", count])]),
    list,
    input,
    el("div", { className: "comment-form-row" }, [el("label", { className: "check" }, [onRegion, " on the active region"]), add]),
  ]);
  root.querySelector('[data-testid="side-panel"]')?.append(panel);

  /** @type {CommentJson[]} */
  let comments = [];

  /** @param {string} id */
  function regionName(id) {
    const region = store.state.doc.regions.find((r) => r.id === id);
    return region ? `${region.label}${region.text ? ` “${region.text}”` : ""}` : "a region";
  }

  /** @param {CommentJson} comment */
  function row(comment) {
    const toggle = el("button", {
      className: "btn btn-sm btn-ghost",
      text: comment.resolved ? "Reopen" : "Resolve",
      testid: "comment-resolve",
      attrs: { type: "button" },
    });
    toggle.hidden = !(canReview || comment.author === username);
    toggle.addEventListener("click", async () => {
      const changed = await api(`/api/comments/${comment.id}`, { method: "PATCH", body: { resolved: !comment.resolved } });
      comments = comments.map((c) => (c.id === comment.id ? changed : c));
      render();
    });
    /** @type {HTMLElement[]} */
    const children = [
      el("div", { className: "muted comment-meta" }, [
        el("span", { text: comment.author || "?", testid: "comment-author" }),
        ` · ${formatDate(comment.created_at)}${comment.resolved ? ` · resolved${comment.resolved_by ? ` by ${comment.resolved_by}` : ""}` : ""}`,
      ]),
    ];
    const regionId = comment.region_id;
    if (regionId) {
      const link = el("button", { className: "btn btn-sm btn-link", text: `On ${regionName(regionId)}`, testid: "comment-region", attrs: { type: "button" } });
      link.addEventListener("click", () => focusRegion(regionId));
      children.push(link);
    }
    children.push(el("p", { className: "comment-body", text: comment.body, testid: "comment-body" }), toggle);
    return el("li", { className: comment.resolved ? "comment resolved" : "comment", testid: "comment", dataset: { resolved: String(comment.resolved) } }, children);
  }

  function render() {
    list.replaceChildren(...comments.map(row));
    count.textContent = String(comments.filter((c) => !c.resolved).length);
  }

  add.addEventListener("click", async () => {
    const body = input.value.trim();
    if (!body) {
      input.focus();
      return;
    }
    /** @type {{body: string, annotation_id?: number, region_id?: string}} */
    const payload = { body };
    if (onRegion.checked) {
      const regionId = store.state.ui.activeRegionId;
      const annotation = annotationId();
      if (!regionId || annotation === null) {
        showToast("Pick a saved region first (click it in the list).", "error");
        return;
      }
      payload.annotation_id = annotation;
      payload.region_id = regionId;
    }
    const created = await api(`/api/tasks/${taskId}/comments`, { method: "POST", body: payload });
    comments = [...comments, created];
    input.value = "";
    onRegion.checked = false;
    render();
  });

  api(`/api/tasks/${taskId}/comments`, { quiet: true })
    .then((/** @type {CommentJson[]} */ found) => {
      comments = found;
      render();
    })
    .catch(() => {});
}
