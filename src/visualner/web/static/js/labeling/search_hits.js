// @ts-check
/**
 * The words a search matched, when the task was opened from a search (`?q=` in the address):
 * page index → word indices, from `GET /api/tasks/{id}/search-hits`. The page view marks
 * them; the page opens on the first page with a hit.
 */
import { api } from "../api.js";

/**
 * @param {number | string} taskId
 * @returns {Promise<Map<number, number[]>>} empty without a query or a hit
 */
export async function loadSearchHits(taskId) {
  const q = new URLSearchParams(window.location.search).get("q");
  if (!q) return new Map();
  /** @type {{pages: Record<string, number[]>}} */
  const found = await api(`/api/tasks/${taskId}/search-hits?q=${encodeURIComponent(q)}`, { quiet: true });
  return new Map(Object.entries(found.pages).map(([page, words]) => [Number(page), words]));
}
