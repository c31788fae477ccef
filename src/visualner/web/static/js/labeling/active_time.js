// @ts-check
/**
 * Active time on the labeling page: time counts while the page is visible and the person
 * did something (a key, a click, the wheel) in the last minute; each save takes what was
 * counted since the previous one (its `active_ms`), so the server can sum a person's time
 * on an annotation and the Team tab show the median per task.
 */

export const IDLE_AFTER_MS = 60_000;

/**
 * The pure clock: feed it activity and visibility with their times; `take` answers the
 * active milliseconds since the previous `take`.
 * @param {number} now
 */
export function createActiveClock(now, idleAfterMs = IDLE_AFTER_MS) {
  let counted = 0;
  let lastActivity = -Infinity;
  let countedUpTo = now;
  let visible = true;

  /** Count the active time between `countedUpTo` and `t`. @param {number} t */
  function advance(t) {
    if (visible) {
      const activeUntil = Math.min(t, lastActivity + idleAfterMs);
      counted += Math.max(0, activeUntil - Math.max(countedUpTo, lastActivity));
    }
    countedUpTo = Math.max(countedUpTo, t);
  }

  return {
    /** @param {number} t */
    activity(t) {
      advance(t);
      lastActivity = t;
    },
    /** @param {number} t @param {boolean} isVisible */
    visibility(t, isVisible) {
      advance(t);
      visible = isVisible;
    },
    /** @param {number} t @returns {number} whole milliseconds since the previous take */
    take(t) {
      advance(t);
      const taken = Math.round(counted);
      counted = 0;
      return taken;
    },
  };
}

/** The clock wired to this page's input and visibility events. */
export function trackActiveTime() {
  const clock = createActiveClock(performance.now());
  const active = () => clock.activity(performance.now());
  for (const type of ["keydown", "pointerdown", "wheel"]) window.addEventListener(type, active, { passive: true, capture: true });
  document.addEventListener("visibilitychange", () => clock.visibility(performance.now(), document.visibilityState === "visible"));
  return () => clock.take(performance.now());
}
