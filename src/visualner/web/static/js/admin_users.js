// @ts-check
/**
 * User administration: create users, grant or remove admin rights, deactivate and
 * reactivate, reset a password (the user's sessions and API tokens end; the toast says how
 * many) and delete a user without annotations. The server refuses changes to your own
 * admin/active flags and deleting yourself; so does the UI.
 */
import { api } from "./api.js";
import { byRole, confirmedActionButton, el, formatDate, row } from "./dom.js";
import { showToast } from "./toast.js";

/**
 * @typedef {{
 *   id: number, username: string, is_admin: boolean, is_active: boolean,
 *   created_at: string, last_login_at: string | null,
 * }} User
 */

const root = /** @type {HTMLElement} */ (document.querySelector("[data-admin-users]"));
const selfId = Number(root.dataset.selfId);
const rows = byRole(root, "rows");
const createForm = /** @type {HTMLFormElement} */ (byRole(root, "create-form"));

/**
 * @param {User} user
 * @param {"is_admin" | "is_active"} flag
 */
function flagToggle(user, flag) {
  const box = el("input", {
    testid: `user-toggle-${flag === "is_admin" ? "admin" : "active"}`,
    attrs: { type: "checkbox", "aria-label": `${flag === "is_admin" ? "Admin" : "Active"}: ${user.username}` },
  });
  box.checked = user[flag];
  box.disabled = user.id === selfId;
  if (box.disabled) box.title = "You cannot change this for yourself.";
  box.addEventListener("change", async () => {
    try {
      await api(`/api/users/${user.id}`, { method: "PATCH", body: { [flag]: box.checked } });
      showToast(`${user.username} updated.`, "success");
    } catch {
      box.checked = !box.checked;
    }
  });
  return el("label", { className: "switch" }, [box, el("span", { className: "switch-track" })]);
}

/**
 * "Reset password" opens a password field in the row; Set sends it.
 * @param {User} user
 */
function resetPasswordControl(user) {
  const cell = el("span", { className: "row-actions" });
  const open = el("button", {
    className: "btn btn-sm btn-ghost",
    testid: "user-reset-password",
    text: "Reset password",
    attrs: { type: "button" },
  });
  const input = el("input", {
    testid: "user-reset-password-input",
    attrs: { type: "password", autocomplete: "new-password", "aria-label": `New password for ${user.username}` },
  });
  const save = el("button", {
    className: "btn btn-sm btn-primary",
    testid: "user-reset-password-save",
    text: "Set",
    attrs: { type: "button" },
  });
  open.addEventListener("click", () => {
    cell.replaceChildren(input, save);
    input.focus();
  });
  save.addEventListener("click", async () => {
    let changed;
    try {
      changed = await api(`/api/users/${user.id}/password`, {
        method: "POST",
        body: { password: input.value },
      });
    } catch {
      return;
    }
    showToast(`${user.username}: ${changed.detail}`, "success");
    input.value = "";
    cell.replaceChildren(open);
  });
  cell.append(open);
  return cell;
}

/** @param {User} user */
function actions(user) {
  const cell = el("span", { className: "row-actions" }, [resetPasswordControl(user)]);
  if (user.id !== selfId) {
    cell.append(
      confirmedActionButton({
        text: "Delete",
        testid: "user-delete",
        question: `Delete ${user.username}? A user with annotations cannot be deleted; deactivate them instead.`,
        async action() {
          await api(`/api/users/${user.id}`, { method: "DELETE" });
          showToast(`${user.username} deleted.`, "success");
          await refresh();
        },
      }),
    );
  }
  return cell;
}

/** @param {User} user */
function userRow(user) {
  const name = el("span", { className: "member-name", testid: "user-name" }, [
    el("span", { className: "avatar avatar-sm", text: user.username.slice(0, 1).toUpperCase() }),
    el("span", { text: user.username }),
  ]);
  if (user.id === selfId) name.append(el("span", { className: "badge", text: "you" }));
  const tr = row(
    [
      name,
      flagToggle(user, "is_admin"),
      flagToggle(user, "is_active"),
      formatDate(user.last_login_at),
      formatDate(user.created_at),
      actions(user),
    ],
    "user-row",
  );
  tr.lastElementChild?.classList.add("actions-col");
  tr.dataset.username = user.username;
  return tr;
}

async function refresh() {
  /** @type {User[]} */
  const users = await api("/api/users");
  rows.replaceChildren(...users.map(userRow));
}

createForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = /** @type {HTMLInputElement} */ (createForm.elements.namedItem("username"));
  const password = /** @type {HTMLInputElement} */ (createForm.elements.namedItem("password"));
  const isAdmin = /** @type {HTMLInputElement} */ (createForm.elements.namedItem("is_admin"));
  try {
    await api("/api/users", {
      method: "POST",
      body: { username: username.value.trim(), password: password.value, is_admin: isAdmin.checked },
    });
  } catch {
    return;
  }
  showToast(`User ${username.value.trim()} created.`, "success");
  createForm.reset();
  await refresh();
});
refresh();
