// @ts-check
/**
 * The import page: pick or drop files (or paste URLs / a JSON task list), choose OCR and
 * its servers, upload with progress, then follow the import job to the end.
 */
import { api } from "./api.js";
import { byRole, el } from "./dom.js";
import { followJob, jobOutcome } from "./job_progress.js";
import { showToast } from "./toast.js";
import { uploadForm } from "./upload.js";

const root = /** @type {HTMLElement} */ (document.querySelector("[data-import-page]"));
const projectId = root.dataset.projectId;
/** @type {File[]} */
let files = [];

const dropzone = byRole(root, "dropzone");
const fileInput = /** @type {HTMLInputElement} */ (byRole(root, "file-input"));
const fileList = byRole(root, "file-list");
const urlInput = /** @type {HTMLTextAreaElement} */ (byRole(root, "url-input"));
const startButton = /** @type {HTMLButtonElement} */ (byRole(root, "start"));
const summary = byRole(root, "selection-summary");

/** @param {number} bytes */
function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function renderFiles() {
  fileList.replaceChildren(
    ...files.map((file, index) => {
      const remove = el("button", { className: "btn btn-ghost btn-xs", text: "✕",
        attrs: { type: "button", "aria-label": `Remove ${file.name}` } });
      remove.addEventListener("click", () => {
        files.splice(index, 1);
        renderFiles();
      });
      return el("li", { testid: "file-item" }, [
        el("span", { className: "file-name", text: file.name }),
        el("span", { className: "muted", text: size(file.size) }),
        remove,
      ]);
    }),
  );
  const urls = urlInput.value.trim();
  const total = files.reduce((sum, file) => sum + file.size, 0);
  summary.textContent = files.length
    ? `${files.length} file${files.length > 1 ? "s" : ""}, ${size(total)}`
    : urls ? "URLs / JSON tasks" : "Nothing selected";
  startButton.disabled = !files.length && !urls;
}

/** @param {FileList | null} list */
function addFiles(list) {
  if (!list) return;
  files = files.concat(Array.from(list));
  renderFiles();
}

fileInput.addEventListener("change", () => {
  addFiles(fileInput.files);
  fileInput.value = "";
});
for (const type of ["dragenter", "dragover"]) {
  dropzone.addEventListener(type, (event) => {
    event.preventDefault();
    dropzone.classList.add("dragging");
  });
}
for (const type of ["dragleave", "drop"]) {
  dropzone.addEventListener(type, () => dropzone.classList.remove("dragging"));
}
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  addFiles(event.dataTransfer ? event.dataTransfer.files : null);
});
urlInput.addEventListener("input", renderFiles);

/**
 * The OCR server checkboxes: a server found down is shown so and cannot be ticked; all of
 * them are disabled while OCR is off (they would do nothing).
 */
async function loadServers() {
  const box = byRole(root, "servers");
  /** @type {{id: number, name: string, health: string, is_default: boolean, engine: string}[]} */
  const servers = await api("/api/ocr-servers");
  box.querySelectorAll("label, [data-role=servers-loading]").forEach((node) => node.remove());
  for (const server of servers) {
    const down = server.health === "down";
    const input = el("input", { attrs: { type: "checkbox", value: server.name },
      testid: `server-${server.name}` });
    input.checked = server.is_default && !down;
    input.dataset.down = down ? "true" : "";
    box.append(el("label", { className: "server-option" }, [
      input,
      el("span", { className: `health-dot ${server.health}`, attrs: { title: server.health } }),
      el("span", { text: server.name }),
      el("span", { className: "muted", text: server.engine ? ` · ${server.engine}` : "" }),
      el("span", { className: "muted", text: down ? " · unreachable" : "" }),
    ]));
  }
  syncServerInputs();
}

const ocrSwitch = /** @type {HTMLInputElement} */ (byRole(root, "ocr"));

function syncServerInputs() {
  const box = byRole(root, "servers");
  box.classList.toggle("is-disabled", !ocrSwitch.checked);
  box.querySelectorAll("input").forEach((input) => {
    input.disabled = !ocrSwitch.checked || input.dataset.down === "true";
  });
}
ocrSwitch.addEventListener("change", syncServerInputs);

/** @returns {Record<string, unknown>} */
function options() {
  const checked = (/** @type {string} */ role) =>
    /** @type {HTMLInputElement} */ (byRole(root, role)).checked;
  const servers = Array.from(root.querySelectorAll(".server-option input:checked")).map(
    (input) => /** @type {HTMLInputElement} */ (input).value,
  );
  const dpi = /** @type {HTMLSelectElement} */ (byRole(root, "dpi")).value;
  return {
    ocr: checked("ocr"),
    ocr_servers: servers,
    text_layer: checked("text-layer") ? "auto" : "ignore",
    skip_duplicates: checked("skip-duplicates"),
    ...(dpi ? { pdf_dpi: Number(dpi) } : {}),
  };
}

/** The name the URL box's task list is sent under; its tasks are reported as `tasks.json[i]`. */
const URL_TASKS_NAME = "tasks.json";
/** @type {string[]} the URLs of the last import's URL lines, by task index */
let sentUrls = [];

/** The URL box as a task list: JSON as given, or one URL per line. */
function urlTasks() {
  const text = urlInput.value.trim();
  sentUrls = [];
  if (!text) return null;
  if (text.startsWith("[") || text.startsWith("{")) return new Blob([text], { type: "application/json" });
  sentUrls = text.split(/\s+/).filter(Boolean);
  const tasks = sentUrls.map((url) => ({ image: url }));
  return new Blob([JSON.stringify(tasks)], { type: "application/json" });
}

/**
 * A job item's label for the error table: a URL line's own URL rather than the name of the
 * task list the page wrapped it in.
 * @param {string} name e.g. "tasks.json[0]"
 */
function itemLabel(name) {
  const match = /^tasks\.json\[(\d+)\]$/.exec(name);
  const url = match ? sentUrls[Number(match[1])] : undefined;
  return url || name;
}

const progress = byRole(root, "progress");
const label = byRole(root, "progress-label");
const fill = byRole(root, "progress-fill");

/** @param {number} fraction @param {string} text */
function showProgress(fraction, text) {
  progress.hidden = false;
  fill.style.width = `${Math.round(fraction * 100)}%`;
  label.textContent = text;
}

startButton.addEventListener("click", async () => {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  const tasks = urlTasks();
  if (tasks) form.append("files", tasks, URL_TASKS_NAME);
  form.append("options", JSON.stringify(options()));
  startButton.disabled = true;
  byRole(root, "errors-table").hidden = true;
  byRole(root, "outcome").hidden = true;
  byRole(root, "to-tasks").hidden = true;
  try {
    const { job_id: jobId } = await uploadForm(`/api/projects/${projectId}/import`, form, (f) =>
      showProgress(f * 0.2, `Uploading… ${Math.round(f * 100)}%`),
    );
    let countedDone = -1;
    const job = await followJob(jobId, (current) => {
      if (current.done !== countedDone) {
        countedDone = current.done;
        refreshTaskCount();
      }
      const finished = current.done + current.failed;
      const fraction = current.total ? finished / current.total : 0;
      showProgress(0.2 + 0.8 * fraction,
        `${current.status === "running" || current.status === "queued" ? "Importing" : "Finished"}: ` +
        `${current.done} of ${current.total || "…"} done` + (current.failed ? `, ${current.failed} failed` : ""));
    });
    await refreshTaskCount();
    showErrors(job.errors);
    byRole(root, "to-tasks").hidden = false;
    files = [];
    urlInput.value = "";
    renderFiles();
    const outcome = jobOutcome(job, "Import", `Import finished: ${job.done} imported.`);
    // With problems, the outcome stays above their table (a toast would cover it).
    const outcomeLine = byRole(root, "outcome");
    outcomeLine.hidden = !job.errors.length;
    outcomeLine.textContent = job.errors.length
      ? outcome.message.replace(/tasks\.json\[\d+\]/g, (name) => itemLabel(name))
      : "";
    outcomeLine.dataset.kind = outcome.kind;
    if (!job.errors.length) showToast(outcome.message, outcome.kind);
  } catch (error) {
    showProgress(0, error instanceof Error ? error.message : String(error));
    startButton.disabled = false;
  }
});

/** The Tasks tab's count follows the import (the project keeps a counter: one cheap read). */
async function refreshTaskCount() {
  const count = document.querySelector('[data-role="task-count"]');
  if (!count) return;
  try {
    const project = await api(`/api/projects/${projectId}`, { quiet: true });
    count.textContent = String(project.task_count);
  } catch {
    /* the count catches up at the next poll */
  }
}

/** @param {{name: string, status: string, error: string}[]} errors */
function showErrors(errors) {
  const table = byRole(root, "errors-table");
  table.hidden = !errors.length;
  byRole(root, "errors").replaceChildren(
    ...errors.map((item) => {
      const label = itemLabel(item.name);
      const error = label === item.name ? item.error : item.error.replace(item.name, label);
      return el("tr", { testid: "import-error" }, [
        el("td", { text: label }),
        el("td", { text: `${item.status === "skipped" ? "skipped: " : ""}${error}` }),
      ]);
    }),
  );
}

const serverForm = root.querySelector("[data-role=server-form]");
if (serverForm instanceof HTMLFormElement) {
  serverForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(serverForm);
    let added;
    try {
      added = await api("/api/ocr-servers", { method: "POST", body: { name: data.get("name"), url: data.get("url") } });
    } catch {
      return;
    }
    serverForm.reset();
    if (added.warning) showToast(added.warning, "error");
    else showToast(`${added.name} added.`, "success");
    await loadServers();
  });
}

renderFiles();
loadServers();
