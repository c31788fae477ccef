// @ts-check
/**
 * The Tasks tab: one page of `GET /api/projects/{id}/tasks` at a time (the server paginates
 * and filters), with the page and status kept in the address bar so reloads and links keep them.
 */
import { api } from "./api.js";
import { byRole, el, formatDate, row } from "./dom.js";

const PAGE_SIZE = 25;

/**
 * @typedef {{
 *   id: number, title: string, status: string, page_count: number,
 *   annotation_count: number, prediction_count: number, updated_at: string,
 * }} TaskSummary
 */

const root = /** @type {HTMLElement} */ (document.querySelector("[data-tasks-table]"));
const projectId = root.dataset.projectId;
const rows = byRole(root, "rows");
const empty = byRole(root, "empty");
const pager = byRole(root, "pager");
const summary = byRole(root, "summary");
const pageLabel = byRole(root, "page-label");
const prev = /** @type {HTMLButtonElement} */ (byRole(root, "prev"));
const next = /** @type {HTMLButtonElement} */ (byRole(root, "next"));
const statusFilter = /** @type {HTMLSelectElement} */ (byRole(root, "status-filter"));

const params = new URLSearchParams(window.location.search);
const state = {
  page: Math.max(1, Number(params.get("page")) || 1),
  status: params.get("status") || "",
};
statusFilter.value = state.status;

/** @param {string} status */
function statusBadge(status) {
  return el("span", {
    className: `status status-${status}`,
    testid: "task-status",
    text: status.replace("_", " "),
  });
}

/** @param {TaskSummary} task */
function taskRow(task) {
  const tr = row(
    [
      String(task.id),
      el("a", {
        className: "task-title",
        testid: "task-link",
        text: task.title || `Task ${task.id}`,
        attrs: { href: `/tasks/${task.id}` },
      }),
      statusBadge(task.status),
      String(task.page_count),
      String(task.annotation_count),
      String(task.prediction_count),
      formatDate(task.updated_at),
    ],
    "task-row",
  );
  for (const index of [0, 3, 4, 5]) tr.children[index].classList.add("num");
  return tr;
}

function syncAddress() {
  const query = new URLSearchParams();
  if (state.page > 1) query.set("page", String(state.page));
  if (state.status) query.set("status", state.status);
  const search = query.toString();
  window.history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
}

async function load() {
  const query = new URLSearchParams({ page: String(state.page), page_size: String(PAGE_SIZE) });
  if (state.status) query.set("status", state.status);
  root.classList.add("is-loading");
  let result;
  try {
    result = await api(`/api/projects/${projectId}/tasks?${query}`);
  } finally {
    root.classList.remove("is-loading");
  }
  const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
  if (state.page > pages) {
    state.page = pages;
    return load();
  }
  rows.replaceChildren(...result.items.map(taskRow));
  const first = result.total ? (state.page - 1) * PAGE_SIZE + 1 : 0;
  const last = Math.min(result.total, state.page * PAGE_SIZE);
  summary.textContent = result.total ? `${first}–${last} of ${result.total}` : "";
  empty.hidden = result.total > 0;
  byRole(empty, "empty-hint").hidden = Boolean(state.status);
  byRole(empty, "empty-title").textContent = state.status
    ? `No ${state.status.replace("_", " ")} tasks`
    : "No tasks yet";
  root.querySelector("table")?.toggleAttribute("hidden", result.total === 0);
  pager.hidden = pages <= 1;
  pageLabel.textContent = `Page ${state.page} of ${pages}`;
  prev.disabled = state.page <= 1;
  next.disabled = state.page >= pages;
  syncAddress();
}

statusFilter.addEventListener("change", () => {
  state.status = statusFilter.value;
  state.page = 1;
  load();
});
prev.addEventListener("click", () => {
  state.page -= 1;
  load();
});
next.addEventListener("click", () => {
  state.page += 1;
  load();
});
load();
