// @ts-check
/**
 * The Members tab: lists members; managers add people by username, change roles, remove.
 * Everyone else sees the same list read-only (the API enforces it either way).
 */
import { api } from "./api.js";
import { byRole, confirmedActionButton, el, fillRows, row } from "./dom.js";
import { showToast } from "./toast.js";

/** @typedef {{username: string, user_id: number, role: string}} Member */

const ROLES = ["manager", "reviewer", "annotator"];

const root = /** @type {HTMLElement} */ (document.querySelector("[data-members]"));
const base = `/api/projects/${root.dataset.projectId}/members`;
const canManage = root.dataset.canManage === "true";
const rows = byRole(root, "rows");
const addForm = /** @type {HTMLFormElement | null} */ (root.querySelector('[data-role="add-form"]'));

/** @param {Member} member */
function roleSelect(member) {
  const select = el(
    "select",
    { testid: "member-role-select", attrs: { "aria-label": `Role of ${member.username}` } },
    ROLES.map((role) => el("option", { text: role, attrs: { value: role } })),
  );
  select.value = member.role;
  select.addEventListener("change", async () => {
    try {
      await api(base, { method: "POST", body: { username: member.username, role: select.value } });
      showToast(`${member.username} is now ${select.value}.`, "success");
    } catch {
      select.value = member.role;
    }
    await refresh();
  });
  return select;
}

/** @param {Member} member */
function removeButton(member) {
  return confirmedActionButton({
    text: "Remove",
    testid: "member-remove",
    question: `Remove ${member.username} from this project?`,
    async action() {
      await api(`${base}/${encodeURIComponent(member.username)}`, { method: "DELETE" });
      showToast(`${member.username} was removed.`, "success");
      await refresh();
    },
  });
}

/** @param {Member} member */
function memberRow(member) {
  const name = el("span", { className: "member-name", testid: "member-name" }, [
    el("span", { className: "avatar avatar-sm", text: member.username.slice(0, 1).toUpperCase() }),
    el("span", { text: member.username }),
  ]);
  if (!canManage) {
    return row(
      [name, el("span", { className: `badge badge-${member.role}`, testid: "member-role-text", text: member.role })],
      "member-row",
    );
  }
  const tr = row([name, roleSelect(member), removeButton(member)], "member-row");
  tr.dataset.username = member.username;
  tr.lastElementChild?.classList.add("actions-col");
  return tr;
}

async function refresh() {
  /** @type {Member[]} */
  const members = await api(base);
  fillRows(rows, members, memberRow, "No members yet.");
}

addForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = /** @type {HTMLInputElement} */ (addForm.elements.namedItem("username"));
  const role = /** @type {HTMLSelectElement} */ (addForm.elements.namedItem("role"));
  if (!username.value.trim()) {
    username.focus();
    return;
  }
  try {
    await api(base, { method: "POST", body: { username: username.value.trim(), role: role.value } });
  } catch {
    return;
  }
  showToast(`${username.value.trim()} was added as ${role.value}.`, "success");
  username.value = "";
  await refresh();
});
refresh();
