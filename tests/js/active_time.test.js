// @ts-check
// The labeling page's active-time clock: counts while visible and within a minute of the
// last activity; each take answers the time since the previous one.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createActiveClock } from "../../src/visualner/web/static/js/labeling/active_time.js";

test("time counts from an activity until a minute without one", () => {
  const clock = createActiveClock(0, 60_000);
  assert.equal(clock.take(5_000), 0); // nothing done yet
  clock.activity(10_000);
  clock.activity(40_000);
  assert.equal(clock.take(50_000), 40_000);
  assert.equal(clock.take(500_000), 50_000); // idle after 40 s + 60 s
  clock.activity(600_000);
  assert.equal(clock.take(610_000), 10_000);
});

test("a hidden page does not count", () => {
  const clock = createActiveClock(0, 60_000);
  clock.activity(0);
  clock.visibility(20_000, false);
  clock.activity(30_000); // a key while hidden does not count either
  clock.visibility(40_000, true);
  assert.equal(clock.take(50_000), 20_000 + 10_000);
});
