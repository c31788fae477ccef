// @ts-check
/**
 * The observable store: the annotation document (undoable) and the view state around it
 * (page, zoom, selection, tool: not undoable). Documents are immutable, so an undo step is
 * just the previous document; listeners hear which part changed and redraw only that.
 */

/** @typedef {import("../model/regions.js").Doc} Doc */
/**
 * @typedef {{
 *   page: number,
 *   scale: number,
 *   selection: number[],
 *   anchor: number,
 *   hoverWord: number,
 *   activeRegionId: string | null,
 *   tool: string,
 *   boxLabel: string,
 *   linkingFrom: string | null,
 *   band: import("../model/geometry.js").Box | null,
 *   draftBox: import("../model/geometry.js").Box | null,
 *   showRegions: boolean,
 *   showRelations: boolean,
 * }} Ui
 */
/** @typedef {{doc: Doc, ui: Ui}} State */
/** @typedef {{doc: boolean, ui: Set<keyof Ui>, reason: string}} Change */
/** @typedef {(state: State, change: Change) => void} Listener */

const UNDO_LIMIT = 200;

/** @returns {Ui} */
export function initialUi() {
  return {
    page: 0,
    scale: 1,
    selection: [],
    anchor: -1,
    hoverWord: -1,
    activeRegionId: null,
    tool: "select",
    boxLabel: "",
    linkingFrom: null,
    band: null,
    draftBox: null,
    showRegions: true,
    showRelations: true,
  };
}

/** @param {Doc} doc */
export function createStore(doc) {
  /** @type {State} */
  let state = { doc, ui: initialUi() };
  /** @type {Doc[]} */
  let past = [];
  /** @type {Doc[]} */
  let future = [];
  /** @type {Set<Listener>} */
  const listeners = new Set();
  // Read-only (a reviewer looking at someone's annotation): edits are ignored, views are not.
  let readOnly = false;

  /** @param {Change} change */
  function emit(change) {
    for (const listener of listeners) listener(state, change);
  }

  return {
    /** @returns {State} */
    get state() {
      return state;
    },
    /** @param {Listener} listener @returns {() => void} */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /**
     * Change view state; listeners hear only when a value actually changed.
     * @param {Partial<Ui>} patch
     */
    setUi(patch) {
      /** @type {Set<keyof Ui>} */
      const changed = new Set();
      for (const key of /** @type {(keyof Ui)[]} */ (Object.keys(patch))) {
        if (state.ui[key] !== patch[key]) changed.add(key);
      }
      if (!changed.size) return;
      state = { ...state, ui: { ...state.ui, ...patch } };
      emit({ doc: false, ui: changed, reason: "ui" });
    },
    /**
     * Apply an edit to the document as one undo step (plus optional view changes).
     * @param {string} reason what the user did, e.g. "label words"
     * @param {(doc: Doc) => Doc} edit a pure function
     * @param {Partial<Ui>} [uiPatch]
     */
    commit(reason, edit, uiPatch = {}) {
      const before = state.doc;
      const next = readOnly ? before : edit(before);
      if (next === before && !Object.keys(uiPatch).length) return;
      if (next !== before) {
        past = [...past.slice(-(UNDO_LIMIT - 1)), before];
        future = [];
      }
      state = { doc: next, ui: { ...state.ui, ...uiPatch } };
      emit({ doc: next !== before, ui: new Set(/** @type {(keyof Ui)[]} */ (Object.keys(uiPatch))), reason });
    },
    /** Replace the document without an undo step (loading, a reload after a conflict). @param {Doc} next */
    reset(next) {
      past = [];
      future = [];
      state = { ...state, doc: next };
      emit({ doc: true, ui: new Set(), reason: "reset" });
    },
    get readOnly() {
      return readOnly;
    },
    /** @param {boolean} value */
    setReadOnly(value) {
      readOnly = value;
    },
    undo() {
      const previous = readOnly ? undefined : past.at(-1);
      if (!previous) return false;
      past = past.slice(0, -1);
      future = [...future, state.doc];
      state = { ...state, doc: previous, ui: { ...state.ui, selection: [], activeRegionId: null } };
      emit({ doc: true, ui: new Set(["selection", "activeRegionId"]), reason: "undo" });
      return true;
    },
    redo() {
      const next = readOnly ? undefined : future.at(-1);
      if (!next) return false;
      future = future.slice(0, -1);
      past = [...past, state.doc];
      state = { ...state, doc: next, ui: { ...state.ui, selection: [], activeRegionId: null } };
      emit({ doc: true, ui: new Set(["selection", "activeRegionId"]), reason: "redo" });
      return true;
    },
    get canUndo() {
      return past.length > 0;
    },
    get canRedo() {
      return future.length > 0;
    },
  };
}

/** @typedef {ReturnType<typeof createStore>} Store */
