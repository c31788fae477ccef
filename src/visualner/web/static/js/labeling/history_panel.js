// @ts-check
/**
 * The annotation's history on the labeling page: its earlier versions (who saved each, when)
 * and, for any of them, what changed from it to the current version — regions added,
 * removed, relabelled, text edited, moved — from `GET /api/annotations/{id}/diff`.
 */
import { api } from "../api.js";
import { el, formatDate } from "../dom.js";

/**
 * @typedef {{id: string, label: string, text: string, page: number, from_label?: string,
 *   from_text?: string}} RegionChange
 * @typedef {{from: number, to: number, added: RegionChange[], removed: RegionChange[],
 *   relabelled: RegionChange[], text_edited: RegionChange[], reshaped: RegionChange[]}} Diff
 */

/** @param {RegionChange} r */
const named = (r) => `${r.label}${r.text ? ` “${r.text}”` : ""}`;

/** @param {Diff} diff @returns {HTMLElement[]} one line per change */
export function diffLines(diff) {
  /** @type {[string, RegionChange[], (r: RegionChange) => string][]} */
  const kinds = [
    ["added", diff.added, (r) => `Added ${named(r)}`],
    ["removed", diff.removed, (r) => `Removed ${named(r)}`],
    ["relabelled", diff.relabelled, (r) => `Relabelled ${r.from_label} → ${named(r)}`],
    ["text-edited", diff.text_edited, (r) => `Text edited on ${r.label}: “${r.from_text}” → “${r.text}”`],
    ["reshaped", diff.reshaped, (r) => `Moved ${named(r)} (other words or box)`],
  ];
  const lines = kinds.flatMap(([kind, changes, text]) =>
    changes.map((change) => el("li", { text: text(change), testid: `diff-${kind}` })),
  );
  return lines.length ? lines : [el("li", { className: "muted", text: "No region changed." })];
}

/**
 * @param {HTMLElement} root
 * @param {{annotationId: () => number | null}} options
 */
export function createHistoryPanel(root, { annotationId }) {
  const list = el("ol", { className: "history-list", testid: "history-list" });
  const diffList = el("ul", { className: "history-diff", testid: "history-diff" });
  const show = el("button", { className: "btn btn-sm btn-ghost", text: "Show history", testid: "history-open", attrs: { type: "button" } });
  const panel = el("section", { className: "panel-section history-panel", testid: "history-panel" }, [
    el("div", { className: "panel-heading" }, [el("h2", { text: "History" }), show]),
    list,
    diffList,
  ]);
  root.querySelector('[data-testid="side-panel"]')?.append(panel);

  show.addEventListener("click", async () => {
    const id = annotationId();
    if (id === null) {
      list.replaceChildren(el("li", { className: "muted", text: "Not saved yet." }));
      return;
    }
    /** @type {{version: number, user: string | null, created_at: string, region_count: number}[]} */
    const versions = await api(`/api/annotations/${id}/versions`);
    /** @type {{version: number, edited_by: string | null, user: string | null, updated_at: string, regions: unknown[]}} */
    const latest = await api(`/api/annotations/${id}`);
    const current = latest.version;
    const editor = latest.edited_by || latest.user || "?";
    list.replaceChildren(
      el("li", {
        testid: "history-version",
        text: `v${current} · ${editor} · ${formatDate(latest.updated_at)} · ${latest.regions.length} regions (current)`,
      }),
      ...versions.map((v) => {
        const compare = el("button", { className: "btn btn-sm btn-link", text: "Compare with current", testid: "history-compare", attrs: { type: "button" } });
        compare.addEventListener("click", async () => {
          /** @type {Diff} */
          const diff = await api(`/api/annotations/${id}/diff?from=${v.version}&to=${current}`);
          diffList.replaceChildren(el("li", { className: "muted", text: `From v${diff.from} to v${diff.to}:` }), ...diffLines(diff));
        });
        return el("li", { testid: "history-version" }, [
          `v${v.version} · ${v.user || "?"} · ${formatDate(v.created_at)} · ${v.region_count} regions `,
          compare,
        ]);
      }),
    );
  });
}
