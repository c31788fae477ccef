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
  /** @type {{past: Doc[], future: Doc[]}} the undo and the redo stack, newest last */
  const stacks = { past: [], future: [] };
  /** @type {Set<Listener>} */
  const listeners = new Set();
  // Read-only (a reviewer looking at someone's annotation): edits are ignored, views are not.
  let readOnly = false;

  /** @param {Change} change */
  function emit(change) {
    for (const listener of listeners) listener(state, change);
  }

  /**
   * Undo and redo are one move in opposite directions: the newest document of one stack is
   * shown (with nothing selected) and the one shown goes onto the other stack.
   * @param {"past" | "future"} from @param {"past" | "future"} to @param {"undo" | "redo"} reason
   */
  function travel(from, to, reason) {
    const target = readOnly ? undefined : stacks[from].at(-1);
    if (!target) return false;
    stacks[from] = stacks[from].slice(0, -1);
    stacks[to] = [...stacks[to], state.doc];
    state = { ...state, doc: target, ui: { ...state.ui, selection: [], activeRegionId: null } };
    emit({ doc: true, ui: new Set(["selection", "activeRegionId"]), reason });
    return true;
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
        stacks.past = [...stacks.past.slice(-(UNDO_LIMIT - 1)), before];
        stacks.future = [];
      }
      state = { doc: next, ui: { ...state.ui, ...uiPatch } };
      emit({ doc: next !== before, ui: new Set(/** @type {(keyof Ui)[]} */ (Object.keys(uiPatch))), reason });
    },
    /** Replace the document without an undo step (loading, a reload after a conflict). @param {Doc} next */
    reset(next) {
      stacks.past = [];
      stacks.future = [];
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
      return travel("past", "future", "undo");
    },
    redo() {
      return travel("future", "past", "redo");
    },
    get canUndo() {
      return stacks.past.length > 0;
    },
    get canRedo() {
      return stacks.future.length > 0;
    },
  };
}

/** @typedef {ReturnType<typeof createStore>} Store */
