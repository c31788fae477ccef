// @ts-check
/**
 * The built-in bulk actions of the task list: tag, untag, OCR again, pre-annotate, export,
 * delete. Each opens a small dialog where it needs an answer, then calls the bulk endpoint.
 */
import { api } from "./api.js";
import { registerBulkAction } from "./bulk_actions.js";
import { askInDialog } from "./bulk_dialog.js";
import { el } from "./dom.js";
import { followJob, jobOutcome } from "./job_progress.js";
import { showToast } from "./toast.js";

/** @typedef {import("./bulk_actions.js").Selection} Selection */

/**
 * A modal asking for one answer; resolves with it, or null when cancelled.
 * @param {{title: string, text: string, confirm: string, danger?: boolean,
 *   input?: {label: string, testid: string, options?: string[]}}} spec
 * @returns {Promise<string | null>}
 */
function ask(spec) {
  /** @type {HTMLInputElement | HTMLSelectElement | null} */
  let field = null;
  /** @type {(Node | string)[]} */
  const fields = [el("p", { text: spec.text })];
  if (spec.input) {
    const id = `bulk-${spec.input.testid}`;
    field = spec.input.options
      ? el(
          "select",
          { testid: spec.input.testid, attrs: { id } },
          spec.input.options.map((o) => el("option", { text: o, attrs: { value: o } })),
        )
      : el("input", { testid: spec.input.testid, attrs: { id, type: "text", required: "" } });
    fields.push(el("label", { className: "label-text", text: spec.input.label, attrs: { for: id } }), field);
  }
  const input = field;
  return askInDialog({
    title: spec.title,
    fields,
    confirm: spec.confirm,
    danger: spec.danger,
    focus: input,
    answer: () => (input ? input.value.trim() || null : "yes"),
  });
}

/** @param {number} count */
const tasks = (count) => `${count.toLocaleString()} task${count === 1 ? "" : "s"}`;

/**
 * Tagging and untagging: one dialog asking for the tag, one call to the tags endpoint.
 * @param {{id: string, label: string, title: string, text: (count: number) => string,
 *   confirm: string, change: "add" | "remove", done: (tag: string, count: number) => string}} spec
 */
function registerTagAction(spec) {
  registerBulkAction({
    id: spec.id,
    label: spec.label,
    roles: ["manager", "reviewer"],
    async run(selection, context) {
      const tag = await ask({
        title: spec.title,
        text: spec.text(context.count),
        confirm: spec.confirm,
        input: { label: "Tag", testid: `bulk-${spec.id}-name` },
      });
      if (tag === null) return;
      await api(`/api/projects/${context.projectId}/tasks/tags`, {
        method: "POST",
        body: { ...selection, [spec.change]: [tag] },
      });
      context.done(spec.done(tag, context.count));
    },
  });
}

registerTagAction({
  id: "tag",
  label: "Tag…",
  title: "Tag tasks",
  text: (count) => `Add a tag to ${tasks(count)}.`,
  confirm: "Add tag",
  change: "add",
  done: (tag, count) => `Tagged ${tasks(count)} “${tag}”.`,
});

registerTagAction({
  id: "untag",
  label: "Remove tag…",
  title: "Remove a tag",
  text: (count) => `Remove a tag from ${tasks(count)}.`,
  confirm: "Remove tag",
  change: "remove",
  done: (tag) => `Removed “${tag}” from the selected tasks.`,
});

/**
 * Follows a started job and toasts how it ended, failures and their reasons included.
 * @param {number} jobId @param {string} label @param {(done: number) => string} success
 */
async function reportWhenFinished(jobId, label, success) {
  const job = await followJob(jobId, () => {});
  const outcome = jobOutcome(job, label, success(job.done));
  showToast(outcome.message, outcome.kind);
}

registerBulkAction({
  id: "ocr",
  label: "OCR again…",
  roles: ["manager"],
  async run(selection, context) {
    /** @type {{name: string, health: string}[]} */
    const servers = (await api("/api/ocr-servers")).filter(
      (/** @type {{health: string}} */ s) => s.health !== "down",
    );
    const server = await ask({
      title: "Run OCR again",
      text: `Read every page of ${tasks(context.count)} again; their words are replaced.`,
      confirm: "Run OCR",
      input: { label: "OCR server", testid: "bulk-ocr-server", options: servers.map((s) => s.name) },
    });
    if (server === null) return;
    const job = await api(`/api/projects/${context.projectId}/tasks/ocr`, {
      method: "POST",
      body: { ...selection, ocr_servers: [server] },
    });
    context.done(`OCR started on ${server} (job ${job.job_id}).`);
    await reportWhenFinished(job.job_id, "OCR", (done) => `OCR finished: ${done} done.`);
  },
});

registerBulkAction({
  id: "preannotate",
  label: "Pre-annotate",
  roles: ["manager"],
  async run(selection, context) {
    const job = await api(`/api/projects/${context.projectId}/preannotate`, {
      method: "POST",
      body: selection,
    });
    context.done(`Pre-annotation started (job ${job.job_id}).`);
    await reportWhenFinished(job.job_id, "Pre-annotation", () => "Pre-annotation finished.");
  },
});

registerBulkAction({
  id: "export",
  label: "Export…",
  roles: ["manager", "reviewer"],
  async run(selection) {
    const dialog = /** @type {HTMLDialogElement | null} */ (
      document.querySelector("dialog[data-export-dialog]")
    );
    if (!dialog) return;
    dialog.dataset.selection = JSON.stringify(selection);
    dialog.showModal();
  },
});

registerBulkAction({
  id: "delete",
  label: "Delete…",
  roles: ["manager"],
  danger: true,
  async run(selection, context) {
    const sure = await ask({
      title: `Delete ${tasks(context.count)}?`,
      text: "Their pages, words, annotations and predictions are deleted for good; page images no other task uses are removed from storage.",
      confirm: `Delete ${tasks(context.count)}`,
      danger: true,
    });
    if (sure === null) return;
    const result = await api(`/api/projects/${context.projectId}/tasks/delete`, {
      method: "POST",
      body: { ...selection, confirm_count: context.count },
    });
    context.done(`Deleted ${tasks(result.deleted)}.`);
  },
});
