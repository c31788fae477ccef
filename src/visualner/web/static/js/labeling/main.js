// @ts-check
/**
 * The labeling page: loads the task, builds the store, view, tools and panels, and wires
 * them together. Data arrives in `<script type="application/json">` and from the API;
 * nothing is ever inserted as HTML.
 */
import { api } from "../api.js";
import { byRole } from "../dom.js";
import { createActions } from "./actions.js";
import { bindLabelingKeys } from "./key_bindings.js";
import { attachLayerToggles } from "./layer_toggles.js";
import { emptyDoc, PENDING_ORIGIN } from "./model/regions.js";
import { attachPointerInput } from "./pointer_input.js";
import { createRegionOcr } from "./region_ocr.js";
import { createCommentsPanel } from "./comments_panel.js";
import { createHistoryPanel } from "./history_panel.js";
import { trackActiveTime } from "./active_time.js";
import { chosenSource, createReviewPanel } from "./review_panel.js";
import { createSaveControls } from "./save_status.js";
import { createStore } from "./state/store.js";
import { loadSearchHits } from "./search_hits.js";
import { createPageSource } from "./task_source.js";
import { drawBoxTool } from "./tools/draw_box.js";
import { panTool } from "./tools/pan.js";
import { createToolRegistry } from "./tools/registry.js";
import { selectWordsTool } from "./tools/select_words.js";
import { createPageOcr } from "./page_ocr.js";
import { createChoicesPanel } from "./view/choices_panel.js";
import { PageView } from "./view/page_view.js";
import { createRelationsPanel } from "./view/relations_panel.js";
import { createRegionList } from "./view/side_panel.js";
import { createToolbar } from "./view/toolbar.js";

/** @typedef {import("./model/regions.js").Doc} Doc */
/** @typedef {import("./model/regions.js").Region} Region */

const root = /** @type {HTMLElement} */ (document.querySelector("[data-labeling]"));
const pageData = JSON.parse(/** @type {HTMLElement} */ (document.getElementById("labeling-data")).textContent || "{}");
const perf = new URLSearchParams(window.location.search).has("perf");
const taskId = Number(pageData.task_id);
const taskRequest = api(`/api/tasks/${taskId}`);

/**
 * The document to start from: the annotation or prediction chosen for review (see
 * `review_panel.js`), else this user's annotation, else the latest prediction (its regions
 * pending review), else nothing.
 * @param {any} task @param {Set<string>} labels
 * @param {import("./review_panel.js").Source | null} source
 * @returns {{doc: Doc, own: any, models: Map<string, string>}}
 */
function startingDoc(task, labels, source) {
  /** @type {Map<string, string>} */
  const models = new Map();
  for (const prediction of task.predictions) {
    for (const region of prediction.regions) models.set(region.id, prediction.model_version || "model");
  }
  const own =
    source?.kind === "annotation"
      ? source.item
      : task.annotations.filter((/** @type {any} */ a) => a.user === pageData.username).at(-1);
  if (own && source?.kind !== "prediction") return { doc: { regions: own.regions, relations: own.relations, choices: own.choices }, own, models };
  const prediction = source?.kind === "prediction" ? source.item : task.predictions.at(-1);
  if (!prediction) return { doc: emptyDoc(), own: null, models };
  /** @type {Region[]} */
  const regions = prediction.regions
    .filter((/** @type {Region} */ r) => labels.has(r.label) && r.page < task.pages.length)
    .map((/** @type {Region} */ r) => ({ ...r, origin: PENDING_ORIGIN }));
  const ids = new Set(regions.map((r) => r.id));
  const relations = prediction.relations.filter((/** @type {any} */ r) => ids.has(r.from_id) && ids.has(r.to_id));
  return { doc: { regions, relations, choices: {} }, own: null, models };
}

/**
 * `?perf=1`: how long from the click (the event's timestamp) until its selection was drawn,
 * and how much of that was our handler (the rest is the browser's input queue).
 * @param {PointerEvent} event @param {number} handlerStart
 */
function onClickDrawn(event, handlerStart) {
  if (!perf) return;
  const end = performance.now();
  const measure = performance.measure("select-draw", { start: event.timeStamp, end });
  performance.measure("select-handler", { start: handlerStart, end });
  root.dataset.lastSelectMs = measure.duration.toFixed(2);
}

/**
 * The page view over the page's image and canvases; it reads what to draw from the store.
 * @param {import("./state/store.js").Store} store
 * @param {ReturnType<typeof createPageSource>} pages @param {(label: string) => string} colorOf
 */
function createPageView(store, pages, colorOf) {
  return new PageView(
    {
      wrap: byRole(root, "canvas-wrap"),
      viewport: byRole(root, "viewport"),
      stage: byRole(root, "stage"),
      image: /** @type {HTMLImageElement} */ (byRole(root, "page-image")),
      wordsCanvas: /** @type {HTMLCanvasElement} */ (byRole(root, "words-layer")),
      overlayCanvas: /** @type {HTMLCanvasElement} */ (byRole(root, "overlay-layer")),
      tooltip: byRole(root, "tooltip"),
    },
    () => ({ page: pages.loaded(store.state.ui.page), doc: store.state.doc, ui: store.state.ui, colorOf }),
  );
}

/**
 * Show the store's current page: at once from the cache (or as a blank of the right size),
 * then again when its words and image have loaded, unless the user moved on meanwhile.
 * @param {{store: import("./state/store.js").Store, pages: ReturnType<typeof createPageSource>, view: PageView,
 *   pageOcr: ReturnType<typeof createPageOcr>}} parts
 */
async function showCurrentPage({ store, pages, view, pageOcr }) {
  const loading = byRole(root, "loading");
  const index = store.state.ui.page;
  const meta = pages.meta(index);
  pageOcr.showEmptyState(index);
  loading.hidden = Boolean(pages.loaded(index));
  view.showPage(pages.loaded(index), meta);
  const model = await pages.load(index);
  if (store.state.ui.page !== index) return;
  view.showPage(model, meta);
  byRole(root, "stage").dataset.page = String(index);
  loading.hidden = true;
  const active = store.state.doc.regions.find((r) => r.id === store.state.ui.activeRegionId);
  if (active && active.page === index && active.bbox) view.scrollToBox(active.bbox);
}

/**
 * Redraw what a store change touched: the canvases, the panels, the hint; and mark the
 * annotation unsaved when its document changed (not when it was reset from the server).
 * @param {{
 *   store: import("./state/store.js").Store, pages: ReturnType<typeof createPageSource>, view: PageView,
 *   panels: {renderRegions: Function, renderActive: Function}, otherPanels: {render: Function}[],
 *   toolbar: ReturnType<typeof createToolbar>, markDirty: () => void,
 *   pageOcr: ReturnType<typeof createPageOcr>,
 * }} parts
 */
function followStore(parts) {
  const { store, view, panels, otherPanels, toolbar, markDirty } = parts;
  const viewport = byRole(root, "viewport");
  const hint = byRole(root, "hint");
  store.subscribe((state, change) => {
    const ui = change.ui;
    if (change.doc) {
      view.requestDraw(true, true);
      panels.renderRegions(state);
      for (const panel of otherPanels) panel.render(state);
      if (change.reason !== "reset") markDirty();
    }
    if (ui.has("page")) showCurrentPage(parts);
    if (ui.has("selection") || ui.has("activeRegionId")) {
      if (state.ui.band) view.requestDraw(false, true);
      else view.drawNow(false, true);
      if (ui.has("activeRegionId")) view.requestDraw(true, false);
    } else if (ui.has("hoverWord") || ui.has("band") || ui.has("draftBox")) {
      view.requestDraw(false, true);
    }
    if (ui.has("activeRegionId") || ui.has("linkingFrom")) {
      panels.renderActive(state);
      const from = state.ui.linkingFrom && state.doc.regions.find((r) => r.id === state.ui.linkingFrom);
      hint.hidden = !from;
      hint.textContent = from ? `Click the region “${from.text || from.label}” points to · Esc cancels` : "";
    }
    if (ui.has("showRegions") || ui.has("showRelations")) view.requestDraw(true, false);
    if (ui.has("tool")) viewport.dataset.tool = state.ui.tool;
    toolbar.update(state, store);
  });
}

async function start() {
  const task = await taskRequest;
  if (!task.pages.length) throw new Error("it has no pages yet (its document is still being imported).");
  const config = pageData.config;
  const colors = new Map();
  for (const group of config.label_groups) for (const label of group.labels) colors.set(label.value, label.background);
  const colorOf = (/** @type {string} */ label) => colors.get(label) || "#8a909b";
  const source = chosenSource(task, pageData, new URLSearchParams(window.location.search));
  const { doc, own, models } = startingDoc(task, new Set(colors.keys()), source);

  const store = createStore(doc);
  const pages = createPageSource(taskId, task);
  const viewport = byRole(root, "viewport");
  const view = createPageView(store, pages, colorOf);
  view.lowConfidence = Number(pageData.low_confidence) || 0;
  const actions = createActions({ store, config, pages, view, modelOf: (id) => models.get(id) || "model" });
  const registry = createToolRegistry();
  for (const tool of [selectWordsTool, drawBoxTool, panTool]) registry.register(tool);

  const toolbar = createToolbar(root, { config, tools: registry.all(), actions, pageCount: pages.count });
  attachLayerToggles(root, { store, actions, hasRelations: Boolean(config.has_relations), storage: window.localStorage, username: pageData.username });
  const regionList = createRegionList(root, { config, actions, colorOf });
  const otherPanels = [createRelationsPanel(root, { config, actions }), createChoicesPanel(root, { config, actions })];

  const { saver, submit } = createSaveControls(root, {
    taskId,
    projectId: pageData.project_id,
    canAnnotate: Boolean(pageData.can_annotate),
    own: source?.kind === "prediction" ? null : own,
    getDoc: () => store.state.doc,
    takeActiveMs: trackActiveTime(),
  });
  const keymap = bindLabelingKeys(root, { config, actions, saveNow: () => saver.saveNow(), submit });
  const pageOcr = createPageOcr({
    root,
    taskId,
    canManage: Boolean(pageData.can_manage),
    pageMeta: (index) => pages.meta(index),
    pageCount: pages.count,
    isDirty: () => saver.state.dirty,
  });
  createReviewPanel(root, {
    taskId,
    projectId: pageData.project_id,
    username: pageData.username,
    canReview: Boolean(pageData.can_review),
    canManage: Boolean(pageData.can_manage),
    task,
    shown: source?.kind === "prediction" ? null : own || null,
    source,
    store,
    saver,
    submit,
    keymap,
  });
  createCommentsPanel(root, {
    taskId,
    username: pageData.username,
    canReview: Boolean(pageData.can_review),
    store,
    focusRegion: (id) => actions.focusRegion(id),
    annotationId: () => saver.state.annotationId,
  });
  createHistoryPanel(root, { annotationId: () => saver.state.annotationId });
  followStore({ store, pages, view, panels: regionList, otherPanels, toolbar, markDirty: () => saver.markDirty(), pageOcr });
  createRegionOcr({ root, taskId, canAnnotate: Boolean(pageData.can_annotate), store, pages, view, markDirty: () => saver.markDirty() });
  attachPointerInput({ viewport, ctx: { store, view, page: actions.currentPage, actions }, registry, onClickDrawn });

  // First paint: page 0 at fit width, then mark the page interactive.
  view.showPage(null, pages.meta(0));
  view.setScale(view.fitScale());
  store.setUi({ scale: view.scale });
  regionList.renderRegions(store.state);
  for (const panel of otherPanels) panel.render(store.state);
  toolbar.update(store.state, store);
  viewport.dataset.tool = store.state.ui.tool;
  await showCurrentPage({ store, pages, view, pageOcr });
  root.dataset.ready = "true";
  loadSearchHits(taskId)
    .then((hits) => {
      view.searchHits = hits;
      const first = Math.min(...hits.keys());
      if (hits.size && !hits.has(store.state.ui.page)) actions.goToPage(first);
      view.requestDraw(true, false);
    })
    .catch(() => {
      /* no marks: the page works as usual */
    });
  if (perf) performance.mark("labeling-ready");
}

start().catch((error) => {
  console.error(error);
  byRole(root, "loading").textContent = `This task cannot be shown: ${error instanceof Error ? error.message : error}`;
});
