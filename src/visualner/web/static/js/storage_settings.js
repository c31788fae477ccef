// @ts-check
/**
 * Settings → Storage (managers): the project's cloud storages, adding one, syncing a source
 * now and removing one. Credentials go to the server once and are never shown again (the
 * API answers only `has_credentials`). Every value from the server is set as text.
 */
import { api, ApiError } from "./api.js";
import { byRole, confirmedActionButton, el, fillRows, row } from "./dom.js";
import { followJob, jobOutcome } from "./job_progress.js";
import { showToast } from "./toast.js";

/**
 * @typedef {{id: number, role: string, bucket: string, prefix: string, glob: string,
 *   endpoint_url: string, region: string, has_credentials: boolean, sync_every_minutes: number,
 *   export_format: string, objects_imported: number}} Storage
 */

const header = /** @type {HTMLElement} */ (document.querySelector("[data-project-id]"));
const base = `/api/projects/${header.dataset.projectId}/storages`;
const root = /** @type {HTMLElement} */ (document.querySelector("[data-storages]"));
const rows = byRole(root, "rows");
const jobLine = byRole(root, "job");
const form = /** @type {HTMLFormElement} */ (byRole(root, "form"));
const errorLine = byRole(form, "error");

/** @param {string} name */
function input(name) {
  return /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
}

/** @param {Storage} storage */
function where(storage) {
  const path = [storage.bucket, storage.prefix].filter(Boolean).join("/");
  return `s3://${path}${storage.glob ? ` (${storage.glob})` : ""}`;
}

/**
 * A row button that starts a job, follows it on the job line and words its end.
 * @param {{text: string, testid: string, start: () => Promise<{job_id: number}>,
 *   progress: (job: import("./job_progress.js").Job) => string,
 *   outcome: (job: import("./job_progress.js").Job) => string}} spec
 */
function jobButton(spec) {
  const button = el("button", {
    className: "btn btn-sm btn-ghost",
    testid: spec.testid,
    text: spec.text,
    attrs: { type: "button" },
  });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const { job_id: jobId } = await spec.start();
      const job = await followJob(jobId, (progress) => {
        jobLine.hidden = false;
        jobLine.textContent = spec.progress(progress);
      });
      jobLine.textContent = spec.outcome(job);
      await refresh();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** @param {Storage} storage */
function syncButton(storage) {
  return jobButton({
    text: "Sync now",
    testid: "storage-sync",
    start: () => api(`${base}/${storage.id}/sync`, { method: "POST" }),
    progress: (job) =>
      `Sync of ${where(storage)}: ${job.status}, ${job.done} of ${job.total} done`,
    outcome: syncSummary,
  });
}

/**
 * "Export all": an export job of every task's submitted annotations in the target's format,
 * its file also written to the target's bucket.
 * @param {Storage} storage
 */
function exportButton(storage) {
  return jobButton({
    text: "Export all",
    testid: "storage-export",
    start: () =>
      api(`/api/projects/${header.dataset.projectId}/exports`, {
        method: "POST",
        body: { format: storage.export_format, target_storage_id: storage.id },
      }),
    progress: (job) => `Export to ${where(storage)}: ${job.status}`,
    outcome: (job) =>
      jobOutcome(job, "Export", `Export written to s3://${storage.bucket}/${job.result.storage_key}.`)
        .message,
  });
}

/**
 * What a finished sync did (counts of objects; deleted ones named), in the wording every
 * job panel uses for failures.
 * @param {import("./job_progress.js").Job} job
 */
function syncSummary(job) {
  const result = job.result || {};
  const deleted = result.objects_deleted || [];
  const success =
    `Sync done: ${result.tasks_created} tasks created; ${result.objects_new} new, ` +
    `${(result.objects_changed || []).length} changed, ${result.objects_unchanged} unchanged` +
    (deleted.length ? `; deleted from the bucket: ${deleted.join(", ")}` : "") +
    (result.objects_remaining ? `; ${result.objects_remaining} left for the next sync` : "") +
    ".";
  return jobOutcome(job, "Sync", success).message;
}

/** @param {Storage} storage */
function storageRow(storage) {
  const actions = el("span", { className: "row-actions" }, [
    storage.role === "source" ? syncButton(storage) : exportButton(storage),
    confirmedActionButton({
      text: "Remove",
      testid: "storage-remove",
      question: `Remove the storage ${where(storage)}? Its imported tasks stay.`,
      async action() {
        await api(`${base}/${storage.id}`, { method: "DELETE" });
        showToast("The storage was removed.", "success");
        await refresh();
      },
    }),
  ]);
  const schedule =
    storage.role === "target"
      ? `writes ${storage.export_format}`
      : storage.sync_every_minutes
        ? `every ${storage.sync_every_minutes} min`
        : "on demand";
  const tr = row(
    [
      storage.role,
      el("span", { className: "mono", testid: "storage-where", text: where(storage) }),
      `${storage.endpoint_url || "AWS"}${storage.has_credentials ? " · with credentials" : ""}`,
      schedule,
      el("span", { testid: "storage-imported", text: String(storage.objects_imported) }),
      actions,
    ],
    "storage-row",
  );
  tr.lastElementChild?.classList.add("actions-col");
  return tr;
}

async function refresh() {
  /** @type {Storage[]} */
  const storages = await api(base);
  fillRows(rows, storages, storageRow, "No storage yet.");
}

function showRoleFields() {
  const role = /** @type {HTMLSelectElement} */ (form.elements.namedItem("role")).value;
  for (const field of form.querySelectorAll("[data-only]")) {
    if (field instanceof HTMLElement) field.hidden = field.dataset.only !== role;
  }
}

async function loadFormats() {
  /** @type {{name: string, description: string}[]} */
  const formats = await api("/api/export-formats");
  const select = /** @type {HTMLSelectElement} */ (form.elements.namedItem("export_format"));
  select.replaceChildren(
    ...formats.map((f) => el("option", { text: f.name, attrs: { value: f.name, title: f.description } })),
  );
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorLine.hidden = true;
  const role = /** @type {HTMLSelectElement} */ (form.elements.namedItem("role")).value;
  /** @type {Record<string, unknown>} */
  const body = { role };
  for (const name of ["bucket", "prefix", "endpoint_url", "region", "access_key_id", "secret_access_key"]) {
    const value = input(name).value.trim();
    if (value) body[name] = value;
  }
  if (role === "source") {
    if (input("glob").value.trim()) body.glob = input("glob").value.trim();
    body.sync_every_minutes = Number(input("sync_every_minutes").value || 0);
    body.import_options = { ocr: input("ocr").checked };
  } else {
    body.export_format = /** @type {HTMLSelectElement} */ (form.elements.namedItem("export_format")).value;
  }
  try {
    await api(base, { method: "POST", body, quiet: true });
  } catch (error) {
    errorLine.textContent = error instanceof ApiError ? error.message : String(error);
    errorLine.hidden = false;
    return;
  }
  input("secret_access_key").value = "";
  input("access_key_id").value = "";
  showToast("The storage was added.", "success");
  await refresh();
});

/** @type {HTMLSelectElement} */ (form.elements.namedItem("role")).addEventListener("change", showRoleFields);
showRoleFields();
void loadFormats();
void refresh();
