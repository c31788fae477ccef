// @ts-check
/**
 * Short-lived messages in the corner: API errors and confirmations.
 * Text only (textContent), so server messages that echo user input stay inert.
 */

const TOAST_MS = 5000;

/**
 * @param {string} message
 * @param {"info" | "success" | "error"} [kind]
 */
export function showToast(message, kind = "info") {
  const host = document.querySelector(".toasts");
  if (!host) return;
  const toast = document.createElement("div");
  toast.className = `toast toast-${kind}`;
  toast.dataset.testid = `toast-${kind}`;
  toast.setAttribute("role", kind === "error" ? "alert" : "status");
  toast.textContent = message;
  host.append(toast);
  window.setTimeout(() => toast.classList.add("toast-leaving"), TOAST_MS);
  window.setTimeout(() => toast.remove(), TOAST_MS + 400);
}
