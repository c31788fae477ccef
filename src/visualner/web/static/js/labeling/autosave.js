// @ts-check
/**
 * Saving the annotation. The first save creates it (POST); later saves send the version they
 * were based on (PUT). While the annotation is a draft, edits are saved automatically after a
 * short pause; once submitted, edits wait for "Update". A 409 means someone else saved in
 * between: saving stops and the page says so, it never overwrites their work.
 */
import { api, ApiError, csrfToken } from "../api.js";
import { docForSave } from "./model/regions.js";

/** @typedef {import("./model/regions.js").Doc} Doc */
/** @typedef {"none" | "draft" | "submitted"} SavedStatus */
/**
 * @typedef {{
 *   annotationId: number | null, version: number, status: SavedStatus,
 *   dirty: boolean, saving: boolean, conflict: string | null, error: string | null,
 *   savedAt: Date | null,
 * }} SaveState
 */

export const AUTOSAVE_DELAY_MS = 1000;
// Browsers refuse an unload-time (keepalive) request whose body passes 64 KiB; a draft with long
// transcriptions passes it, so it is saved before leaving (or the browser asks) instead.
const KEEPALIVE_BYTES = 60_000;

/**
 * @param {{
 *   taskId: number,
 *   getDoc: () => Doc,
 *   onChange: (state: SaveState) => void,
 *   initial: {annotationId: number | null, version: number, status: SavedStatus},
 *   takeActiveMs?: () => number,
 * }} options
 */
export function createSaver({ taskId, getDoc, onChange, initial, takeActiveMs = () => 0 }) {
  /** @type {SaveState} */
  const state = { ...initial, dirty: false, saving: false, conflict: null, error: null, savedAt: null };
  let timer = 0;
  /** @type {Promise<boolean> | null} */
  let inFlight = null;

  const changed = () => onChange({ ...state });

  /** @param {"draft" | "submitted"} status */
  function body(status) {
    return { ...docForSave(getDoc()), status, active_ms: takeActiveMs() };
  }

  /** The JSON a draft save sends while the page unloads. */
  function leavingBody() {
    const payload = body("draft");
    return JSON.stringify(state.annotationId === null ? payload : { ...payload, version: state.version });
  }

  /** @param {"draft" | "submitted"} status @returns {Promise<boolean>} */
  async function send(status) {
    if (state.conflict) return false;
    state.saving = true;
    state.error = null;
    const sentDirty = state.dirty;
    state.dirty = false;
    changed();
    try {
      const payload = body(status);
      const saved =
        state.annotationId === null
          ? await api(`/api/tasks/${taskId}/annotations`, { method: "POST", body: payload, quiet: true })
          : await api(`/api/annotations/${state.annotationId}`, {
              method: "PUT",
              body: { ...payload, version: state.version },
              quiet: true,
            });
      state.annotationId = saved.id;
      state.version = saved.version;
      state.status = saved.status;
      state.savedAt = new Date();
      return true;
    } catch (error) {
      state.dirty = state.dirty || sentDirty;
      if (error instanceof ApiError && error.status === 409) state.conflict = error.message;
      else state.error = error instanceof Error ? error.message : String(error);
      return false;
    } finally {
      state.saving = false;
      changed();
    }
  }

  /** Save now, after any save under way. @param {"draft" | "submitted"} status */
  async function save(status) {
    window.clearTimeout(timer);
    timer = 0;
    while (inFlight) await inFlight;
    inFlight = send(status);
    try {
      return await inFlight;
    } finally {
      inFlight = null;
    }
  }

  return {
    get state() {
      return { ...state };
    },
    /** The document changed: remember it, and autosave drafts after a pause. */
    markDirty() {
      state.dirty = true;
      changed();
      if (state.status === "submitted" || state.conflict) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        timer = 0;
        if (state.status !== "submitted") save("draft");
      }, AUTOSAVE_DELAY_MS);
    },
    /** Ctrl+S: a draft stays a draft, a submitted annotation is updated. */
    saveNow() {
      return save(state.status === "submitted" ? "submitted" : "draft");
    },
    submit() {
      return save("submitted");
    },
    /**
     * True when leaving now would drop edits: `flushOnLeave` sends only a draft's, when idle
     * and small enough for an unload-time request.
     */
    leavesUnsaved() {
      if (!state.dirty) return false;
      if (state.status === "submitted" || state.conflict || inFlight !== null) return true;
      return new TextEncoder().encode(leavingBody()).length > KEEPALIVE_BYTES;
    },
    /**
     * Before an in-app link leaves: save a draft's pending edits now, after any save under
     * way, whatever their size. False when it failed or the edits wait for Update.
     * @returns {Promise<boolean>}
     */
    async saveDraftBeforeLeaving() {
      if (!state.dirty) return true;
      if (state.status === "submitted" || state.conflict) return false;
      return save("draft");
    },
    /** Before leaving: save pending edits of a draft now (even while the page unloads). */
    flushOnLeave() {
      if (!state.dirty || state.conflict || state.status === "submitted" || inFlight) return;
      const text = leavingBody();
      if (new TextEncoder().encode(text).length > KEEPALIVE_BYTES) return; // the browser asked first
      window.clearTimeout(timer);
      const url = state.annotationId === null ? `/api/tasks/${taskId}/annotations` : `/api/annotations/${state.annotationId}`;
      fetch(url, {
        method: state.annotationId === null ? "POST" : "PUT",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        credentials: "same-origin",
        keepalive: true,
        body: text,
      }).catch(() => {});
      state.dirty = false;
    },
  };
}

/** @typedef {ReturnType<typeof createSaver>} Saver */
