// @ts-check
/** Follows a background job until it ends, reporting its persisted progress. */
import { api } from "./api.js";

/**
 * @typedef {{id: number, status: string, total: number, done: number, failed: number,
 *   error: string, errors: {name: string, status: string, error: string}[],
 *   result: Record<string, any>}} Job
 */

/**
 * @param {number} jobId
 * @param {(job: Job) => void} onUpdate called after every poll
 * @returns {Promise<Job>} the finished job
 */
export async function followJob(jobId, onUpdate) {
  for (;;) {
    /** @type {Job} */
    const job = await api(`/api/jobs/${jobId}`);
    onUpdate(job);
    if (["succeeded", "failed", "cancelled"].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

/**
 * The one wording of a finished job for a toast or panel: a failed job says why; a job
 * with failed items says how many and the first reason, never only the green success line.
 * @param {Job} job
 * @param {string} label what the job did, e.g. "Pre-annotation"
 * @param {string} success the line for a job that fully succeeded
 * @returns {{message: string, kind: "success" | "error" | "info"}}
 */
export function jobOutcome(job, label, success) {
  const failures = job.errors.filter((item) => item.status === "failed");
  const first = failures[0];
  const reason = first ? `${first.name ? `${first.name}: ` : ""}${first.error}` : "";
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : "";
  if (job.status === "cancelled") return { message: `${label} cancelled.`, kind: "info" };
  if (job.status === "failed") {
    return { message: `${label} failed: ${job.error || reason || "no reason given"}`, kind: "error" };
  }
  if (job.failed) {
    return { message: `${success} ${job.failed} failed: ${reason}${more}`, kind: "error" };
  }
  return { message: success, kind: "success" };
}
