// @ts-check
/** Follows a background job until it ends, reporting its persisted progress. */
import { api } from "./api.js";

/**
 * @typedef {{id: number, status: string, total: number, done: number, failed: number,
 *   errors: {name: string, status: string, error: string}[], result: Record<string, any>}} Job
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
