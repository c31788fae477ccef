// @ts-check
/**
 * The Tasks tab: one page of `GET /api/projects/{id}/tasks` at a time (the server searches,
 * sorts and paginates), with the query, tag, status, sort and page kept in the address bar so
 * reloads and links keep them. Rows can be selected (or "all N matching") for the bulk
 * actions of `bulk_actions.js`.
 */
import { api } from "./api.js";
import { bulkActionsFor } from "./bulk_actions.js";
import { byRole, el, formatDate } from "./dom.js";
import { showToast } from "./toast.js";
import "./task_bulk_actions.js";
import "./task_assign_action.js";

const PAGE_SIZE = 25;

/**
 * @typedef {{text: string, hits: number[][], page: number | null, label: string | null}} Snippet
 * @typedef {{
 *   id: number, number: number | null, title: string, status: string, page_count: number,
 *   annotation_count: number, prediction_count: number, prediction_score: number | null,
 *   annotators: string, assignees: string[], reviewer: string | null, open_comments: number,
 *   updated_at: string, tags: string[], snippet?: Snippet | null, title_hits?: number[][],
 * }} TaskSummary
 */

const root = /** @type {HTMLElement} */ (document.querySelector("[data-tasks-table]"));
const projectId = Number(root.dataset.projectId);
const role = root.dataset.userRole || "annotator";
const rows = byRole(root, "rows");
const empty = byRole(root, "empty");
const pager = byRole(root, "pager");
const summary = byRole(root, "summary");
const pageLabel = byRole(root, "page-label");
const prev = /** @type {HTMLButtonElement} */ (byRole(root, "prev"));
const next = /** @type {HTMLButtonElement} */ (byRole(root, "next"));
const statusFilter = /** @type {HTMLSelectElement} */ (byRole(root, "status-filter"));
const tagFilter = /** @type {HTMLSelectElement} */ (byRole(root, "tag-filter"));
const searchForm = /** @type {HTMLFormElement} */ (byRole(root, "search-form"));
const searchInput = /** @type {HTMLInputElement} */ (byRole(root, "search"));
const searchError = byRole(root, "search-error");
const selectPage = /** @type {HTMLInputElement} */ (byRole(root, "select-page"));
const bulkBar = byRole(root, "bulk-bar");
const bulkCount = byRole(root, "bulk-count");
const bulkButtons = byRole(root, "bulk-actions");
const selectAll = /** @type {HTMLButtonElement} */ (byRole(root, "select-all"));

const params = new URLSearchParams(window.location.search);
const state = {
  page: Math.max(1, Number(params.get("page")) || 1),
  status: params.get("status") || "",
  q: params.get("q") || "",
  tag: params.get("tag") || "",
  sort: params.get("sort") || "",
  total: 0,
  /** @type {number[]} */
  pageIds: [],
  /** @type {Set<number>} */
  selected: new Set(),
  allMatching: false,
};
statusFilter.value = state.status;
searchInput.value = state.q;

/** @param {string} value @returns {string} the value as a quoted query term */
function quoted(value) {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The query the server gets: the typed one and the tag filter. */
function fullQuery() {
  return [state.q, state.tag ? `tag:${quoted(state.tag)}` : ""].filter(Boolean).join(" ");
}

/**
 * Text with the `[start, end)` ranges marked; every piece is a text node.
 * @param {string} text @param {number[][]} hits
 */
function marked(text, hits) {
  /** @type {(Node | string)[]} */
  const parts = [];
  let at = 0;
  for (const [start, end] of hits) {
    if (start < at) continue;
    parts.push(text.slice(at, start), el("mark", { text: text.slice(start, end) }));
    at = end;
  }
  parts.push(text.slice(at));
  return parts;
}

/** @param {string} status */
function statusBadge(status) {
  return el("span", {
    className: `status status-${status}`,
    testid: "task-status",
    text: status.replace("_", " "),
  });
}

/** @param {TaskSummary} task */
function titleCell(task) {
  const link = el(
    "a",
    {
      className: "task-title",
      testid: "task-link",
      attrs: { href: state.q ? `/tasks/${task.id}?q=${encodeURIComponent(state.q)}` : `/tasks/${task.id}` },
    },
    marked(task.title || `Task ${task.number ?? task.id}`, task.title ? task.title_hits || [] : []),
  );
  const cell = el("div", { className: "task-title-cell" }, [link]);
  if (task.open_comments) {
    const n = task.open_comments;
    cell.append(el("span", { className: "comment-badge", text: `💬 ${n}`, testid: "task-open-comments", attrs: { title: `${n} open comment${n === 1 ? "" : "s"}` } }));
  }
  if (task.tags.length) {
    cell.append(
      el(
        "span",
        { className: "tag-list" },
        task.tags.map((tag) =>
          el("button", {
            className: "tag-chip",
            text: tag,
            testid: "task-tag",
            attrs: { type: "button", title: `Show tasks tagged “${tag}”` },
            dataset: { tag },
          }),
        ),
      ),
    );
  }
  if (task.snippet) {
    const where = task.snippet.label ? `${task.snippet.label}: ` : task.snippet.page ? `p. ${task.snippet.page + 1}: ` : "";
    cell.append(
      el("div", { className: "snippet muted", testid: "task-snippet" }, [where, ...marked(task.snippet.text, task.snippet.hits)]),
    );
  }
  return cell;
}

/** @param {TaskSummary} task who annotated it, who it is assigned to, who reviews it */
function peopleCell(task) {
  const cell = el("div", {}, [
    el("span", { className: "muted", text: task.annotators || "—", testid: "task-annotators" }),
  ]);
  if (task.assignees.length) {
    cell.append(el("div", { className: "muted small", text: `assigned: ${task.assignees.join(", ")}`, testid: "task-assignees" }));
  }
  if (task.reviewer) {
    cell.append(el("div", { className: "muted small", text: `review: ${task.reviewer}`, testid: "task-reviewer" }));
  }
  return cell;
}

/** @param {TaskSummary} task */
function taskRow(task) {
  const box = el("input", {
    testid: "task-select",
    attrs: { type: "checkbox", "aria-label": `Select task ${task.number ?? task.id}` },
    dataset: { taskId: String(task.id) },
  });
  box.checked = state.allMatching || state.selected.has(task.id);
  const score = task.prediction_score === null ? "" : ` (${task.prediction_score.toFixed(2)})`;
  const cells = [
    box,
    // The task's number in this project (its first task is 1), not the global id.
    String(task.number ?? task.id),
    titleCell(task),
    statusBadge(task.status),
    peopleCell(task),
    String(task.page_count),
    String(task.annotation_count),
    `${task.prediction_count}${score}`,
    formatDate(task.updated_at),
  ];
  const tr = el("tr", { testid: "task-row" }, cells.map((cell) => el("td", {}, [cell])));
  for (const index of [1, 5, 6, 7]) tr.children[index].classList.add("num");
  tr.children[0].classList.add("select-col");
  return tr;
}

function syncAddress() {
  const query = new URLSearchParams();
  if (state.page > 1) query.set("page", String(state.page));
  if (state.status) query.set("status", state.status);
  if (state.q) query.set("q", state.q);
  if (state.tag) query.set("tag", state.tag);
  if (state.sort) query.set("sort", state.sort);
  const search = query.toString();
  window.history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
}

function selectionCount() {
  return state.allMatching ? state.total : state.selected.size;
}

function renderSelection() {
  const count = selectionCount();
  bulkBar.hidden = count === 0;
  bulkCount.textContent = state.allMatching
    ? `All ${count.toLocaleString()} matching tasks selected`
    : `${count} selected`;
  const pageChosen = state.pageIds.length > 0 && state.pageIds.every((id) => state.selected.has(id));
  selectPage.checked = state.allMatching || pageChosen;
  selectAll.hidden = state.allMatching || !pageChosen || state.total <= state.pageIds.length;
  selectAll.textContent = `Select all ${state.total.toLocaleString()} matching`;
  for (const box of rows.querySelectorAll('input[data-testid="task-select"]')) {
    const input = /** @type {HTMLInputElement} */ (box);
    input.checked = state.allMatching || state.selected.has(Number(input.dataset.taskId));
  }
}

function clearSelection() {
  state.selected.clear();
  state.allMatching = false;
}

/** @returns {import("./bulk_actions.js").Selection} */
function currentSelection() {
  return state.allMatching ? { query: fullQuery() } : { task_ids: [...state.selected] };
}

function renderBulkButtons() {
  bulkButtons.replaceChildren(
    ...bulkActionsFor(role).map((action) => {
      const button = el("button", {
        className: action.danger ? "btn btn-sm btn-danger" : "btn btn-sm",
        text: action.label,
        testid: `bulk-${action.id}`,
        attrs: { type: "button" },
      });
      button.addEventListener("click", () => {
        action
          .run(currentSelection(), {
            projectId,
            role,
            count: selectionCount(),
            done: (message) => {
              showToast(message, "success");
              clearSelection();
              loadTags();
              load();
            },
          })
          .catch(() => {
            /* api() already showed the error */
          });
      });
      return button;
    }),
  );
}

function renderSortHeaders() {
  for (const header of root.querySelectorAll("th[data-sort]")) {
    const th = /** @type {HTMLElement} */ (header);
    const key = th.dataset.sort || "";
    const direction = state.sort === key ? "ascending" : state.sort === `-${key}` ? "descending" : "none";
    th.setAttribute("aria-sort", direction);
  }
}

async function loadTags() {
  /** @type {{name: string, tasks: number}[]} */
  const tags = await api(`/api/projects/${projectId}/tags`);
  const options = [el("option", { text: "All tags", attrs: { value: "" } })];
  for (const tag of tags) {
    options.push(el("option", { text: `${tag.name} (${tag.tasks})`, attrs: { value: tag.name } }));
  }
  if (state.tag && !tags.some((t) => t.name === state.tag)) {
    options.push(el("option", { text: state.tag, attrs: { value: state.tag } }));
  }
  tagFilter.replaceChildren(...options);
  tagFilter.value = state.tag;
}

async function load() {
  const query = new URLSearchParams({ page: String(state.page), page_size: String(PAGE_SIZE) });
  if (state.status) query.set("status", state.status);
  const q = fullQuery();
  if (q) query.set("q", q);
  if (state.sort) query.set("sort", state.sort);
  root.classList.add("is-loading");
  let result;
  try {
    result = await api(`/api/projects/${projectId}/tasks?${query}`, { quiet: true });
    searchError.hidden = true;
    searchInput.removeAttribute("aria-invalid");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    searchError.textContent = message;
    searchError.hidden = false;
    searchInput.setAttribute("aria-invalid", "true");
    return;
  } finally {
    root.classList.remove("is-loading");
  }
  const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
  if (state.page > pages) {
    state.page = pages;
    return load();
  }
  state.total = result.total;
  state.pageIds = result.items.map((/** @type {TaskSummary} */ t) => t.id);
  rows.replaceChildren(...result.items.map(taskRow));
  const first = result.total ? (state.page - 1) * PAGE_SIZE + 1 : 0;
  const last = Math.min(result.total, state.page * PAGE_SIZE);
  summary.textContent = result.total ? `${first}–${last} of ${result.total.toLocaleString()}` : "";
  empty.hidden = result.total > 0;
  const filtered = Boolean(state.status || q);
  byRole(empty, "empty-hint").hidden = filtered;
  byRole(empty, "empty-title").textContent = filtered ? "No tasks match" : "No tasks yet";
  root.querySelector("table")?.toggleAttribute("hidden", result.total === 0);
  pager.hidden = pages <= 1;
  pageLabel.textContent = `Page ${state.page} of ${pages}`;
  prev.disabled = state.page <= 1;
  next.disabled = state.page >= pages;
  renderSortHeaders();
  renderSelection();
  syncAddress();
}

/** A new filter: back to page 1, nothing selected. */
function refilter() {
  state.page = 1;
  clearSelection();
  load();
}

searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  state.q = searchInput.value.trim();
  refilter();
});
statusFilter.addEventListener("change", () => {
  state.status = statusFilter.value;
  refilter();
});
tagFilter.addEventListener("change", () => {
  state.tag = tagFilter.value;
  refilter();
});
rows.addEventListener("click", (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  if (target.dataset.tag) {
    state.tag = target.dataset.tag;
    tagFilter.value = state.tag;
    refilter();
  }
});
rows.addEventListener("change", (event) => {
  const box = /** @type {HTMLInputElement} */ (event.target);
  if (!box.dataset.taskId) return;
  if (state.allMatching) {
    state.allMatching = false;
    state.pageIds.forEach((id) => state.selected.add(id));
  }
  const id = Number(box.dataset.taskId);
  if (box.checked) state.selected.add(id);
  else state.selected.delete(id);
  renderSelection();
});
selectPage.addEventListener("change", () => {
  state.allMatching = false;
  for (const id of state.pageIds) {
    if (selectPage.checked) state.selected.add(id);
    else state.selected.delete(id);
  }
  renderSelection();
});
selectAll.addEventListener("click", () => {
  state.allMatching = true;
  renderSelection();
});
byRole(root, "clear-selection").addEventListener("click", () => {
  clearSelection();
  renderSelection();
});
for (const header of root.querySelectorAll("th[data-sort] button")) {
  header.addEventListener("click", () => {
    const key = /** @type {HTMLElement} */ (header.parentElement).dataset.sort || "";
    state.sort = state.sort === key ? `-${key}` : key;
    state.page = 1;
    load();
  });
}
prev.addEventListener("click", () => {
  state.page -= 1;
  load();
});
next.addEventListener("click", () => {
  state.page += 1;
  load();
});
renderBulkButtons();
loadTags().catch(() => {
  /* shown by api() */
});
load();
