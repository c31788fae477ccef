// @ts-check
// The one wording of a finished job (job_progress.js): failures are named with their reason.
import assert from "node:assert/strict";
import { test } from "node:test";

import { jobOutcome } from "../../src/visualner/web/static/js/job_progress.js";

/** @param {Partial<import("../../src/visualner/web/static/js/job_progress.js").Job>} fields */
function job(fields) {
  return { id: 1, status: "succeeded", total: 4, done: 4, failed: 0, error: "", errors: [], result: {}, ...fields };
}

const cannot = "this OCR server cannot fetch models: start it with --app-url and --app-token";

test("a job whose items all failed is an error with the job's reason, never a green zero", () => {
  const failed = job({
    status: "failed",
    done: 0,
    failed: 4,
    error: `all 4 items failed: doc.png: ${cannot}`,
    errors: [{ name: "doc.png", status: "failed", error: cannot }],
  });
  assert.deepEqual(jobOutcome(failed, "Pre-annotation", "0 tasks pre-annotated."), {
    message: `Pre-annotation failed: all 4 items failed: doc.png: ${cannot}`,
    kind: "error",
  });
});

test("some failed items turn the success line into an error naming the first and counting the rest", () => {
  const partly = job({
    done: 2,
    failed: 2,
    errors: [
      { name: "a.png", status: "failed", error: "not an image" },
      { name: "b.png", status: "failed", error: "empty" },
      { name: "c.png", status: "skipped", error: "duplicate" },
    ],
  });
  assert.deepEqual(jobOutcome(partly, "Import", "Import finished: 2 imported."), {
    message: "Import finished: 2 imported. 2 failed: a.png: not an image (and 1 more)",
    kind: "error",
  });
});

test("a clean job is a success and a cancelled one says so", () => {
  assert.deepEqual(jobOutcome(job({}), "OCR", "OCR finished."), { message: "OCR finished.", kind: "success" });
  assert.equal(jobOutcome(job({ status: "cancelled" }), "OCR", "").message, "OCR cancelled.");
});
