// @ts-check
/**
 * The export dialog (templates/partials/export_dialog.html): lists the formats from
 * /api/export-formats, then either downloads the streamed export through a plain link (the
 * browser saves it as it arrives; the session cookie authenticates a GET) or starts an export
 * job and downloads its file when it has succeeded.
 */
import { api } from "./api.js";
import { followJob, jobOutcome } from "./job_progress.js";

/** @typedef {{name: string, description: string, extension: string, refers_to_images: boolean}} ExportFormat */

/**
 * @typedef {{format: string, only: string, predictions: boolean, images: boolean,
 *   query?: string, task_ids?: number[]}} ExportChoice
 */

/**
 * The form's options, limited to the task list's selection when the dialog was opened for
 * one (`data-selection`: `{task_ids}` or `{query}`).
 * @param {HTMLFormElement} form @param {HTMLDialogElement} dialog
 * @returns {ExportChoice}
 */
function chosenOptions(form, dialog) {
  const data = new FormData(form);
  const selection = dialog.dataset.selection ? JSON.parse(dialog.dataset.selection) : {};
  return {
    format: String(data.get("format") || "json"),
    only: String(data.get("only") || "ground_truth"),
    predictions: data.get("predictions") !== null,
    images: data.get("images") !== null,
    ...selection,
  };
}

/**
 * @param {number} projectId
 * @param {ExportChoice} options
 */
export function exportUrl(projectId, options) {
  const query = new URLSearchParams({
    format: options.format,
    only: options.only,
    predictions: String(options.predictions),
  });
  if (options.images) query.set("images", "true");
  if (options.query !== undefined) query.set("q", options.query);
  for (const id of options.task_ids || []) query.append("task_ids", String(id));
  return `/api/projects/${projectId}/export?${query}`;
}

/** @param {string} url */
function download(url) {
  const link = document.createElement("a");
  link.href = url;
  link.download = "";
  document.body.append(link);
  link.click();
  link.remove();
}

/** @param {HTMLDialogElement} dialog */
async function setUp(dialog) {
  const projectId = Number(dialog.dataset.projectId);
  const form = /** @type {HTMLFormElement} */ (dialog.querySelector('[data-role="form"]'));
  const select = /** @type {HTMLSelectElement} */ (dialog.querySelector('[data-role="format"]'));
  const description = /** @type {HTMLElement} */ (dialog.querySelector('[data-role="description"]'));
  const status = /** @type {HTMLElement} */ (dialog.querySelector('[data-role="status"]'));
  const buttons = /** @type {HTMLButtonElement[]} */ ([
    ...dialog.querySelectorAll('button[data-role="download"], button[data-role="background"]'),
  ]);

  /** @type {ExportFormat[]} */
  const formats = await api("/api/export-formats");
  for (const format of formats) {
    const option = document.createElement("option");
    option.value = format.name;
    option.textContent = `${format.name} (.${format.extension})`;
    select.append(option);
  }
  const images = /** @type {HTMLInputElement} */ (dialog.querySelector('[data-role="images"]'));
  const describe = () => {
    const chosen = formats.find((f) => f.name === select.value);
    description.textContent = chosen ? chosen.description : "";
    // Only formats that name page images can carry them.
    images.disabled = !chosen || !chosen.refers_to_images;
    if (images.disabled) images.checked = false;
  };
  select.addEventListener("change", describe);
  describe();

  dialog.querySelector('[data-role="cancel"]')?.addEventListener("click", () => dialog.close());
  dialog.querySelector('[data-role="download"]')?.addEventListener("click", () => {
    download(exportUrl(projectId, chosenOptions(form, dialog)));
    status.textContent = "Your download has started.";
  });
  dialog.querySelector('[data-role="background"]')?.addEventListener("click", async () => {
    buttons.forEach((b) => (b.disabled = true));
    try {
      const { job_id: jobId } = await api(`/api/projects/${projectId}/exports`, {
        method: "POST",
        body: chosenOptions(form, dialog),
      });
      status.textContent = "Exporting on the server…";
      const job = await followJob(jobId, (j) => {
        status.textContent = `Exporting on the server… (${j.status})`;
      });
      if (job.status === "succeeded") {
        status.textContent = "Done; downloading.";
        download(`/api/jobs/${jobId}/download`);
      } else {
        status.textContent = jobOutcome(job, "The export", "").message;
      }
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  });
}

for (const dialog of document.querySelectorAll("dialog[data-export-dialog]")) {
  const typed = /** @type {HTMLDialogElement} */ (dialog);
  setUp(typed).catch(() => {
    /* api() already showed the error */
  });
  for (const opener of document.querySelectorAll("[data-export-open]")) {
    opener.addEventListener("click", () => {
      delete typed.dataset.selection; // the whole project
      typed.showModal();
    });
  }
}
