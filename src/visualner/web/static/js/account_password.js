// @ts-check
/**
 * Changing your own password. The server ends your other sessions and revokes your API
 * tokens; the toast repeats what it ended, and the token table is reloaded to show it.
 */
import { ApiError, api } from "./api.js";
import { byRole } from "./dom.js";
import { showToast } from "./toast.js";

const form = /** @type {HTMLFormElement} */ (document.querySelector("[data-password-form]"));
const errorBox = byRole(form, "error");

/** @param {string} name */
function field(name) {
  return /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
}

/** @param {string} message */
function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  if (field("new_password").value !== field("repeat_password").value) {
    showError("The two new passwords differ.");
    return;
  }
  let changed;
  try {
    changed = await api("/api/me/password", {
      method: "POST",
      quiet: true,
      body: {
        current_password: field("current_password").value,
        new_password: field("new_password").value,
      },
    });
  } catch (error) {
    showError(error instanceof ApiError ? error.message : String(error));
    return;
  }
  form.reset();
  showToast(changed.detail, "success");
  document.dispatchEvent(new CustomEvent("visualner:tokens-changed"));
});
