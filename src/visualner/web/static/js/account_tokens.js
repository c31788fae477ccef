// @ts-check
/**
 * Personal API tokens: create one (its key is shown once, with a copy button) and revoke.
 */
import { api } from "./api.js";
import { byRole, confirmedActionButton, el, fillRows, formatDate, row } from "./dom.js";
import { showToast } from "./toast.js";

/**
 * @typedef {{
 *   id: number, name: string, key_prefix: string, created_at: string,
 *   last_used_at: string | null, revoked_at: string | null,
 * }} Token
 */

const root = /** @type {HTMLElement} */ (document.querySelector("[data-api-tokens]"));
const rows = byRole(root, "rows");
const createForm = /** @type {HTMLFormElement} */ (byRole(root, "create-form"));
const reveal = byRole(root, "reveal");
const keyBox = byRole(reveal, "key");
const copyButton = byRole(reveal, "copy");

/** @param {Token} token */
function revokeButton(token) {
  return confirmedActionButton({
    text: "Revoke",
    testid: "token-revoke",
    question: `Revoke the token "${token.name || token.key_prefix}"? Scripts using it stop working at once.`,
    async action() {
      await api(`/api/tokens/${token.id}`, { method: "DELETE" });
      showToast("Token revoked.", "success");
      await refresh();
    },
  });
}

/** @param {Token} token */
function tokenRow(token) {
  const status = token.revoked_at
    ? el("span", { className: "status status-revoked", text: "revoked" })
    : el("span", { className: "status status-active", text: "active" });
  const tr = row(
    [
      token.name || el("span", { className: "muted", text: "unnamed" }),
      el("code", { className: "mono", text: `${token.key_prefix}…` }),
      formatDate(token.created_at),
      formatDate(token.last_used_at),
      status,
      token.revoked_at ? "" : revokeButton(token),
    ],
    "token-row",
  );
  tr.lastElementChild?.classList.add("actions-col");
  return tr;
}

async function refresh() {
  /** @type {Token[]} */
  const tokens = await api("/api/tokens");
  fillRows(rows, tokens.reverse(), tokenRow, "No tokens yet.");
}

createForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = /** @type {HTMLInputElement} */ (createForm.elements.namedItem("name"));
  let created;
  try {
    created = await api("/api/tokens", { method: "POST", body: { name: name.value.trim() } });
  } catch {
    return;
  }
  keyBox.textContent = created.key;
  reveal.hidden = false;
  copyButton.textContent = "Copy";
  createForm.reset();
  await refresh();
});

// A password change revokes every token (account_password.js says so): show it.
document.addEventListener("visualner:tokens-changed", () => refresh());

copyButton.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(keyBox.textContent || "");
    copyButton.textContent = "Copied";
  } catch {
    const range = document.createRange();
    range.selectNodeContents(keyBox);
    window.getSelection()?.removeAllRanges();
    window.getSelection()?.addRange(range);
    showToast("Press Ctrl+C to copy the selected token.", "info");
  }
});
refresh();
