// @ts-check
/**
 * The Model tab: lists model versions with held-out scores; managers train a new version,
 * pick the active one, pre-annotate tasks and set the active-learning options. Every change
 * goes through the JSON API (which enforces the roles either way).
 */
import { api } from "./api.js";
import { byRole, el, fillRows, formatDate, row } from "./dom.js";
import { followJob, jobOutcome } from "./job_progress.js";
import { showToast } from "./toast.js";

/**
 * @typedef {{precision: number, recall: number, f1: number, support: number}} Score
 * @typedef {{
 *   version: number, name: string, is_active: boolean, labels: string[], created_at: string,
 *   scores: {micro?: Score, per_label?: Record<string, Score>},
 *   train_tasks: number, held_out_tasks: number,
 * }} ModelVersion
 */

const root = /** @type {HTMLElement} */ (document.querySelector("[data-model-page]"));
const projectId = root.dataset.projectId;
const base = `/api/projects/${projectId}`;
const canManage = root.dataset.canManage === "true";
const rows = byRole(root, "rows");
const trainButton = root.querySelector('[data-role="train"]');
const preannotateButton = root.querySelector('[data-role="preannotate"]');
const serverSelect = /** @type {HTMLSelectElement | null} */ (root.querySelector('[data-role="server"]'));
const progress = /** @type {HTMLElement | null} */ (root.querySelector('[data-role="progress"]'));

/** @param {number} value */
const percent = (value) => `${(100 * value).toFixed(1)}`;

/** @param {ModelVersion} version @param {string[]} missing */
function activateCell(version, missing) {
  if (version.is_active) return el("span", { className: "badge badge-manager", testid: "model-active", text: "active" });
  if (!canManage) return el("span");
  const button = el("button", {
    className: "btn btn-sm btn-ghost",
    testid: "model-activate",
    text: "Make active",
    attrs: { type: "button" },
  });
  if (missing.length) {
    button.disabled = true;
    button.title = `The labeling config lacks ${missing.join(", ")}`;
  }
  button.addEventListener("click", async () => {
    await api(`${base}/models/${version.version}/activate`, { method: "POST" });
    showToast(`${version.name} is now the active model.`, "success");
    await refresh();
  });
  return button;
}

/** @param {ModelVersion} version @param {string[]} missing */
function versionRow(version, missing) {
  const perLabel = Object.entries(version.scores.per_label || {}).map(([label, score]) =>
    el("span", { className: "chip", text: `${label} ${percent(score.f1)}` }),
  );
  const tr = row(
    [
      el("span", { className: "mono", text: version.name }),
      el("span", { text: formatDate(version.created_at) }),
      el("span", { text: `${version.train_tasks} / ${version.held_out_tasks}` }),
      el("span", { text: version.scores.micro ? percent(version.scores.micro.f1) : "–" }),
      el("span", { className: "chip-row" }, perLabel),
      activateCell(version, missing),
    ],
    "model-version-row",
  );
  tr.dataset.version = String(version.version);
  return tr;
}

async function refresh() {
  /** @type {{items: ModelVersion[], missing_labels: Record<string, string[]>}} */
  const listed = await api(`${base}/models`);
  const missing = listed.missing_labels;
  fillRows(rows, listed.items, (v) => versionRow(v, missing[String(v.version)] || []), "No model yet: submit a few tasks, then train.");
}

/** @param {string} label @param {string} path @param {unknown} body */
async function runJob(label, path, body) {
  if (!progress) return null;
  const fill = byRole(progress, "progress-fill");
  const text = byRole(progress, "progress-text");
  let started;
  try {
    started = await api(path, { method: "POST", body });
  } catch {
    return null;
  }
  progress.hidden = false;
  const job = await followJob(started.job_id, (update) => {
    const share = update.total ? (update.done + update.failed) / update.total : 0;
    fill.style.width = `${Math.round(100 * share)}%`;
    text.textContent = `${label}: ${update.done + update.failed} of ${update.total || "?"}`;
  });
  progress.hidden = true;
  return job;
}

trainButton?.addEventListener("click", async () => {
  const job = await runJob("Training", `${base}/models/train`, undefined);
  if (!job) return;
  const outcome = jobOutcome(job, "Training", `Model version ${job.result.version} trained and active.`);
  showToast(outcome.message, outcome.kind);
  await refresh();
});

preannotateButton?.addEventListener("click", async () => {
  const body = serverSelect && serverSelect.value ? { ocr_server: serverSelect.value } : {};
  const job = await runJob("Pre-annotating", `${base}/preannotate`, body);
  if (!job) return;
  const outcome = jobOutcome(job, "Pre-annotation", `${job.result.tasks_predicted} tasks pre-annotated.`);
  showToast(outcome.message, outcome.kind);
});

const settingsForm = /** @type {HTMLFormElement | null} */ (document.querySelector("[data-model-settings]"));
settingsForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const every = /** @type {HTMLInputElement} */ (settingsForm.elements.namedItem("model_retrain_every"));
  const order = /** @type {HTMLSelectElement} */ (settingsForm.elements.namedItem("label_next_order"));
  try {
    await api(base, {
      method: "PATCH",
      body: { settings: { model_retrain_every: Number(every.value || 0), label_next_order: order.value } },
    });
  } catch {
    return;
  }
  showToast("Saved.", "success");
});

refresh();
