// @ts-check
/**
 * Everything a user can do, in one place: hotkeys, toolbar buttons, the side panel and the
 * tools all call these, so a feature behaves the same whichever way it is reached.
 */
import { containsPoint } from "./model/geometry.js";
import { labelKinds, labelsForRegion } from "./model/label_kinds.js";
import {
  acceptPredictions,
  addBoxRegion,
  addRelation,
  deleteRegion,
  deleteRelation,
  isPending,
  labelWords,
  relabelRelation,
  setChoices,
  updateRegion,
  wordOwners,
} from "./model/regions.js";

/** @typedef {import("./model/regions.js").Region} Region */
/** @typedef {import("./model/regions.js").Doc} Doc */
/**
 * @typedef {{
 *   label_groups: {name: string, kind: string, labels: {value: string, background: string, hotkey: string}[]}[],
 *   relations: {value: string, background: string}[],
 *   has_relations: boolean,
 *   choices: {name: string, multiple: boolean, choices: {value: string, hotkey: string}[]}[],
 * }} ParsedConfig
 */

const ZOOM_STEP = 1.25;

/**
 * @param {{
 *   store: import("./state/store.js").Store,
 *   config: ParsedConfig,
 *   pages: import("./task_source.js").PageSource,
 *   view: import("./view/page_view.js").PageView,
 *   modelOf: (regionId: string) => string,
 * }} deps
 */
export function createActions({ store, config, pages, view, modelOf }) {
  const boxLabels = config.label_groups.filter((g) => g.kind === "rectanglelabels").flatMap((g) => g.labels);
  const allLabels = config.label_groups.flatMap((g) => g.labels);
  const defaultBoxLabel = (boxLabels[0] || allLabels[0]).value;
  const kinds = labelKinds(config.label_groups);
  /** @type {{doc: Doc | null, page: number, owners: Int32Array}} */
  let ownerCache = { doc: null, page: -1, owners: new Int32Array(0) };

  const currentPage = () => pages.loaded(store.state.ui.page);

  /** Which region holds each word of the current page (cached per document). */
  function owners() {
    const { doc, ui } = store.state;
    const page = currentPage();
    if (!page) return new Int32Array(0);
    if (ownerCache.doc !== doc || ownerCache.page !== ui.page) {
      ownerCache = { doc, page: ui.page, owners: wordOwners(doc, ui.page, page.words.length) };
    }
    return ownerCache.owners;
  }

  /** @param {string} id */
  function regionById(id) {
    return store.state.doc.regions.find((r) => r.id === id) || null;
  }

  /**
   * An edit of a predicted region is a review of it: it stops being pending.
   * @param {Region} region @param {Partial<Region>} changes
   */
  function reviewed(region, changes) {
    return isPending(region) ? { ...changes, origin: modelOf(region.id) } : changes;
  }

  const actions = {
    currentPage,
    /** @param {Region} region @returns {string[]} the labels this region may take */
    labelsFor: (region) => labelsForRegion(kinds, region),
    defaultBoxLabel,
    /**
     * The region under a page point: the one holding `word`, else the smallest free box.
     * @param {number} x @param {number} y @param {number} word @returns {string | null}
     */
    regionAt(x, y, word) {
      const { doc, ui } = store.state;
      if (word >= 0) {
        const owner = owners()[word];
        if (owner !== undefined && owner >= 0) return doc.regions[owner].id;
      }
      let best = null;
      let bestArea = Infinity;
      for (const region of doc.regions) {
        if (region.page !== ui.page || region.tokens.length || !region.bbox) continue;
        const b = region.bbox;
        const area = (b[2] - b[0]) * (b[3] - b[1]);
        if (containsPoint(b, x, y) && area < bestArea) {
          best = region.id;
          bestArea = area;
        }
      }
      return best;
    },

    /**
     * A label's hotkey or button: label the selected words; else relabel the active
     * region; else make it the label of the next drawn box. A label of the other kind
     * (a box label on words, a word label on a free box) never touches the region.
     * @param {string} label
     */
    applyLabel(label) {
      const { ui } = store.state;
      const page = currentPage();
      if (ui.selection.length && page && kinds.word.includes(label)) {
        /** @type {string | null} */
        let created = null;
        store.commit("label words", (doc) => {
          const result = labelWords(doc, {
            page: ui.page,
            tokens: ui.selection,
            label,
            words: page.words,
            acceptedOrigin: modelOf,
          });
          created = result.regionId;
          return result.doc;
        });
        store.setUi({ selection: [], anchor: -1, activeRegionId: created });
        return;
      }
      const active = ui.activeRegionId && regionById(ui.activeRegionId);
      if (active && labelsForRegion(kinds, active).includes(label)) {
        actions.relabelRegion(active.id, label);
        return;
      }
      const isBoxLabel = boxLabels.some((l) => l.value === label);
      store.setUi({ boxLabel: label, tool: isBoxLabel ? "box" : ui.tool });
    },

    /** @param {import("./model/geometry.js").Box} bbox */
    addBox(bbox) {
      const { ui } = store.state;
      const label = ui.boxLabel || defaultBoxLabel;
      /** @type {string | null} */
      let created = null;
      store.commit("draw box", (doc) => {
        const result = addBoxRegion(doc, { page: ui.page, bbox, label });
        created = result.regionId;
        return result.doc;
      });
      store.setUi({ activeRegionId: created, selection: [] });
    },

    /** @param {string} id @param {string} label */
    relabelRegion(id, label) {
      const region = regionById(id);
      if (!region || region.label === label || !labelsForRegion(kinds, region).includes(label)) return;
      store.commit("change label", (doc) => updateRegion(doc, id, reviewed(region, { label })));
    },

    /** @param {string} id @param {string} text */
    setRegionText(id, text) {
      const region = regionById(id);
      if (!region || region.text === text) return;
      store.commit("edit text", (doc) => updateRegion(doc, id, reviewed(region, { text })));
    },

    /** @param {string} id */
    deleteRegion(id) {
      const { ui } = store.state;
      store.commit("delete region", (doc) => deleteRegion(doc, id), {
        activeRegionId: ui.activeRegionId === id ? null : ui.activeRegionId,
        linkingFrom: ui.linkingFrom === id ? null : ui.linkingFrom,
      });
    },

    deleteActive() {
      const id = store.state.ui.activeRegionId;
      if (id) actions.deleteRegion(id);
    },

    /** @param {string} id */
    accept(id) {
      store.commit("accept prediction", (doc) => acceptPredictions(doc, [id], modelOf));
    },

    acceptAll() {
      store.commit("accept all predictions", (doc) => acceptPredictions(doc, null, modelOf));
    },

    /** Show or hide the regions' boxes and tags on the page (words stay clickable). */
    toggleRegions() {
      store.setUi({ showRegions: !store.state.ui.showRegions });
    },

    /** Show or hide the relation arrows (on dense forms they cover the answers). */
    toggleRelations() {
      store.setUi({ showRelations: !store.state.ui.showRelations });
    },

    /** @param {string | null} [id] the region to link from; the active one by default */
    startLink(id) {
      const from = id || store.state.ui.activeRegionId;
      if (!config.has_relations || !from) return;
      store.setUi({ linkingFrom: from, activeRegionId: from, selection: [] });
    },

    /** @param {string} to */
    finishLink(to) {
      const from = store.state.ui.linkingFrom;
      if (!from) return;
      if (from === to) return;
      const label = config.relations.length ? config.relations[0].value : "";
      store.commit("link regions", (doc) => addRelation(doc, { from_id: from, to_id: to, label }), {
        linkingFrom: null,
        activeRegionId: to,
      });
    },

    /** @param {number} position */
    deleteRelation(position) {
      store.commit("delete relation", (doc) => deleteRelation(doc, position));
    },

    /** @param {number} position @param {string} label */
    relabelRelation(position, label) {
      store.commit("change relation", (doc) => relabelRelation(doc, position, label));
    },

    /** @param {string} name @param {string[]} values */
    setChoices(name, values) {
      store.commit("choose", (doc) => setChoices(doc, name, values));
    },

    /** @param {string} name @param {string} value */
    toggleChoice(name, value) {
      const def = config.choices.find((c) => c.name === name);
      const current = store.state.doc.choices[name] || [];
      const on = current.includes(value);
      const next = def && def.multiple ? (on ? current.filter((v) => v !== value) : [...current, value]) : on ? [] : [value];
      actions.setChoices(name, next);
    },

    /** Make a region active, turning to its page and scrolling it into view. @param {string} id */
    focusRegion(id) {
      const region = regionById(id);
      if (!region) return;
      if (store.state.ui.linkingFrom && store.state.ui.linkingFrom !== id) {
        actions.finishLink(id);
        return;
      }
      const samePage = region.page === store.state.ui.page;
      store.setUi({ activeRegionId: id, selection: [], page: region.page });
      if (samePage && region.bbox) view.scrollToBox(region.bbox);
    },

    /** @param {number} index */
    goToPage(index) {
      if (index < 0 || index >= pages.count || index === store.state.ui.page) return;
      store.setUi({ page: index, selection: [], anchor: -1, hoverWord: -1, band: null, draftBox: null });
    },
    nextPage() {
      actions.goToPage(store.state.ui.page + 1);
    },
    prevPage() {
      actions.goToPage(store.state.ui.page - 1);
    },

    /** @param {number} factor @param {{x: number, y: number}} [anchor] */
    zoomBy(factor, anchor) {
      view.setScale(view.scale * factor, anchor);
      store.setUi({ scale: view.scale });
    },
    zoomIn() {
      actions.zoomBy(ZOOM_STEP);
    },
    zoomOut() {
      actions.zoomBy(1 / ZOOM_STEP);
    },
    fitWidth() {
      view.setScale(view.fitScale());
      store.setUi({ scale: view.scale });
    },

    /** @param {string} tool */
    setTool(tool) {
      store.setUi({ tool, boxLabel: tool === "box" ? store.state.ui.boxLabel || defaultBoxLabel : store.state.ui.boxLabel });
    },

    /** Escape: cancel linking, then clear the selection and the active region. */
    escape() {
      const { ui } = store.state;
      if (ui.linkingFrom) store.setUi({ linkingFrom: null });
      else store.setUi({ selection: [], anchor: -1, activeRegionId: null, band: null, draftBox: null });
    },

    undo() {
      store.undo();
    },
    redo() {
      store.redo();
    },
  };
  return actions;
}

/** @typedef {ReturnType<typeof createActions>} Actions */
