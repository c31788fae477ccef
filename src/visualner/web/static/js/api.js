// @ts-check
/**
 * The one way pages talk to the JSON API: same-origin fetch with the session cookie,
 * the CSRF header the server requires on every change, and errors shown as a toast.
 */
import { showToast } from "./toast.js";

export class ApiError extends Error {
  /**
   * @param {string} message the server's `detail`, written for the user
   * @param {number} status
   * @param {string | undefined} field the input the error is about, when the server names one
   * @param {any} [payload] the whole JSON answer (its `code` and any extra fields)
   */
  constructor(message, status, field, payload = null) {
    super(message);
    this.status = status;
    this.field = field;
    this.payload = payload;
  }
}

/** @returns {string} */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") || "" : "";
}

/**
 * @param {string} path e.g. "/api/projects"
 * @param {{method?: string, body?: unknown, quiet?: boolean}} [options]
 *   quiet: do not toast errors (the caller shows them inline)
 * @returns {Promise<any>} the decoded JSON, or null for empty answers
 */
export async function api(path, { method = "GET", body, quiet = false } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json", "X-CSRF-Token": csrfToken() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    const error = new ApiError("The server cannot be reached; check your connection.", 0, undefined);
    if (!quiet) showToast(error.message, "error");
    throw error;
  }
  if (response.status === 401) {
    const next = window.location.pathname + window.location.search;
    window.location.assign(`/login?next=${encodeURIComponent(next)}`);
  }
  const text = await response.text();
  const payload = text ? safeJson(text) : null;
  if (!response.ok) {
    const detail = payload && typeof payload.detail === "string" ? payload.detail : "";
    const error = new ApiError(
      detail || `The server answered ${response.status} ${response.statusText}.`,
      response.status,
      payload ? payload.field : undefined,
      payload,
    );
    if (!quiet) showToast(error.message, "error");
    throw error;
  }
  return payload;
}

/** @param {string} text */
function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
