// @ts-check
/**
 * The Team tab: progress per annotator and the agreement matrix (entity F1 per pair of
 * annotators, and each against the model), with the per-label table; names are text only.
 */
import { api } from "./api.js";
import { byRole, el } from "./dom.js";

const root = /** @type {HTMLElement} */ (document.querySelector("[data-team-page]"));
const projectId = Number(root.dataset.projectId);

/** @param {number | null} value */
const percent = (value) => (value === null ? "—" : `${(value * 100).toFixed(1)}%`);

/** @param {(string | Node)[]} cells @param {string} testid */
const tableRow = (cells, testid) =>
  el("tr", { testid }, cells.map((cell) => el("td", {}, [cell])));

async function loadProgress() {
  /** @type {{annotator: string, tasks: number, submitted: number, accepted: number,
   *   to_correct: number, rejections: number, regions_per_task: number | null,
   *   median_active_s: number | null}[]} */
  const rows = await api(`/api/projects/${projectId}/progress`);
  byRole(root, "progress-rows").replaceChildren(
    ...rows.map((r) =>
      tableRow(
        [r.annotator, String(r.tasks), String(r.submitted), String(r.accepted), String(r.to_correct), String(r.rejections),
          r.regions_per_task === null ? "—" : r.regions_per_task.toFixed(1),
          r.median_active_s === null ? "—" : `${Math.round(r.median_active_s)} s`],
        "progress-row",
      ),
    ),
  );
}

async function loadAgreement() {
  const panel = /** @type {HTMLElement} */ (document.querySelector('[data-testid="agreement-panel"]'));
  /** @typedef {{a: string, b: string, tasks: number, f1: number | null, matched: number, regions_a: number, regions_b: number}} Pair */
  /** @type {{annotators: string[], pairs: Pair[], vs_model: Pair[], labels: Record<string, {f1: number | null, matched: number, regions_a: number, regions_b: number}>}} */
  const report = await api(`/api/projects/${projectId}/agreement`);
  const names = report.annotators;
  /** @type {Map<string, Pair>} */
  const byPair = new Map();
  for (const pair of report.pairs) {
    byPair.set(`${pair.a}\u0000${pair.b}`, pair);
    byPair.set(`${pair.b}\u0000${pair.a}`, pair);
  }
  const model = new Map(report.vs_model.map((v) => [v.a, v]));
  byRole(panel, "matrix-head").replaceChildren(el("tr", {}, [el("th"), ...names.map((n) => el("th", { text: n })), el("th", { text: "model" })]));
  byRole(panel, "matrix-rows").replaceChildren(
    ...names.map((row) => {
      const cells = names.map((column) => {
        if (row === column) return "—";
        const pair = byPair.get(`${row}\u0000${column}`);
        return pair ? `${percent(pair.f1)} (${pair.tasks})` : "";
      });
      const versus = model.get(row);
      return tableRow([el("strong", { text: row }), ...cells, versus ? `${percent(versus.f1)} (${versus.tasks})` : ""], "agreement-row");
    }),
  );
  byRole(panel, "label-rows").replaceChildren(
    ...Object.entries(report.labels).map(([label, c]) =>
      tableRow([label, String(c.matched), String(c.regions_a + c.regions_b), percent(c.f1)], "agreement-label-row"),
    ),
  );
  byRole(panel, "agreement-empty").hidden = report.pairs.length > 0;
}

loadProgress();
loadAgreement();
