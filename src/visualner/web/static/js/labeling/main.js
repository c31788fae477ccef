// @ts-check
/**
 * The labeling page: loads the task, builds the store, view, tools and panels, and wires
 * them together. Data arrives in `<script type="application/json">` and from the API;
 * nothing is ever inserted as HTML.
 */
import { api } from "../api.js";
import { byRole } from "../dom.js";
import { showToast } from "../toast.js";
import { createActions } from "./actions.js";
import { createSaver } from "./autosave.js";
import { createKeymap } from "./hotkeys.js";
import { emptyDoc, PENDING_ORIGIN } from "./model/regions.js";
import { attachPointerInput } from "./pointer_input.js";
import { createStore } from "./state/store.js";
import { createPageSource } from "./task_source.js";
import { drawBoxTool } from "./tools/draw_box.js";
import { panTool } from "./tools/pan.js";
import { createToolRegistry } from "./tools/registry.js";
import { selectWordsTool } from "./tools/select_words.js";
import { createChoicesPanel } from "./view/choices_panel.js";
import { createHelpOverlay } from "./view/help_overlay.js";
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
 * The document to start from: this user's annotation, else the latest prediction (its
 * regions pending review), else nothing.
 * @param {any} task @param {Set<string>} labels
 * @returns {{doc: Doc, own: any, models: Map<string, string>}}
 */
function startingDoc(task, labels) {
  /** @type {Map<string, string>} */
  const models = new Map();
  for (const prediction of task.predictions) {
    for (const region of prediction.regions) models.set(region.id, prediction.model_version || "model");
  }
  const own = task.annotations.filter((/** @type {any} */ a) => a.user === pageData.username).at(-1);
  if (own) return { doc: { regions: own.regions, relations: own.relations, choices: own.choices }, own, models };
  const prediction = task.predictions.at(-1);
  if (!prediction) return { doc: emptyDoc(), own: null, models };
  /** @type {Region[]} */
  const regions = prediction.regions
    .filter((/** @type {Region} */ r) => labels.has(r.label) && r.page < task.pages.length)
    .map((/** @type {Region} */ r) => ({ ...r, origin: PENDING_ORIGIN }));
  const ids = new Set(regions.map((r) => r.id));
  const relations = prediction.relations.filter((/** @type {any} */ r) => ids.has(r.from_id) && ids.has(r.to_id));
  return { doc: { regions, relations, choices: {} }, own: null, models };
}

async function start() {
  const task = await taskRequest;
  if (!task.pages.length) throw new Error("it has no pages yet (its document is still being imported).");
  const config = pageData.config;
  const colors = new Map();
  for (const group of config.label_groups) for (const label of group.labels) colors.set(label.value, label.background);
  const colorOf = (/** @type {string} */ label) => colors.get(label) || "#8a909b";
  const { doc, own, models } = startingDoc(task, new Set(colors.keys()));

  const store = createStore(doc);
  const pages = createPageSource(taskId, task);
  const viewport = byRole(root, "viewport");
  const stage = byRole(root, "stage");
  const loading = byRole(root, "loading");
  const hint = byRole(root, "hint");
  const view = new PageView(
    {
      wrap: byRole(root, "canvas-wrap"),
      viewport,
      stage,
      image: /** @type {HTMLImageElement} */ (byRole(root, "page-image")),
      wordsCanvas: /** @type {HTMLCanvasElement} */ (byRole(root, "words-layer")),
      overlayCanvas: /** @type {HTMLCanvasElement} */ (byRole(root, "overlay-layer")),
      tooltip: byRole(root, "tooltip"),
    },
    () => ({ page: pages.loaded(store.state.ui.page), doc: store.state.doc, ui: store.state.ui, colorOf }),
  );
  const actions = createActions({ store, config, pages, view, modelOf: (id) => models.get(id) || "model" });
  const registry = createToolRegistry();
  for (const tool of [selectWordsTool, drawBoxTool, panTool]) registry.register(tool);

  const toolbar = createToolbar(root, { config, tools: registry.all(), actions, pageCount: pages.count });
  const regionList = createRegionList(root, { config, actions, colorOf });
  const relationsPanel = createRelationsPanel(root, { config, actions });
  const choicesPanel = createChoicesPanel(root, { config, actions });

  const saver = createSaver({
    taskId,
    getDoc: () => store.state.doc,
    initial: own ? { annotationId: own.id, version: own.version, status: own.status } : { annotationId: null, version: 0, status: "none" },
    onChange: showSaveState,
  });

  const saveStatus = byRole(root, "save-status");
  const submitButton = /** @type {HTMLButtonElement} */ (byRole(root, "submit"));
  const nextTask = byRole(root, "next-task");
  const conflict = byRole(root, "conflict");
  /** @param {import("./autosave.js").SaveState} s */
  function showSaveState(s) {
    let text = "";
    let state = "idle";
    if (s.conflict) [text, state] = ["Not saved: conflict", "conflict"];
    else if (s.saving) [text, state] = ["Saving…", "saving"];
    else if (s.error) [text, state] = ["Save failed", "error"];
    else if (s.dirty) [text, state] = [s.status === "submitted" ? "Unsaved changes: press Update" : "Unsaved changes", "dirty"];
    else if (s.status === "submitted") [text, state] = [`Submitted · v${s.version}`, "submitted"];
    else if (s.status === "draft") [text, state] = [`Draft saved · v${s.version}`, "saved"];
    saveStatus.textContent = text;
    saveStatus.title = s.error || "";
    saveStatus.dataset.state = state;
    submitButton.textContent = s.status === "submitted" ? "Update" : "Submit";
    submitButton.disabled = Boolean(s.conflict) || !pageData.can_annotate;
    nextTask.hidden = s.status !== "submitted";
    if (s.conflict) {
      conflict.hidden = false;
      byRole(conflict, "conflict-detail").textContent = `The server said: ${s.conflict}`;
    }
  }
  showSaveState(saver.state);
  byRole(conflict, "reload").addEventListener("click", () => window.location.reload());

  async function submit() {
    const wasSubmitted = saver.state.status === "submitted";
    if (await saver.submit()) showToast(wasSubmitted ? "Annotation updated." : "Annotation submitted.", "success");
    else if (saver.state.error) showToast(saver.state.error, "error");
  }
  submitButton.addEventListener("click", submit);
  byRole(root, "skip").addEventListener("click", async () => {
    if (saver.state.dirty && saver.state.status !== "submitted") await saver.saveNow();
    window.location.assign(`/projects/${pageData.project_id}/next?after=${taskId}`);
  });
  window.addEventListener("pagehide", () => saver.flushOnLeave());

  const keymap = createKeymap();
  const help = createHelpOverlay(root, keymap);
  bindKeys();

  async function showCurrentPage() {
    const index = store.state.ui.page;
    const meta = pages.meta(index);
    loading.hidden = Boolean(pages.loaded(index));
    view.showPage(pages.loaded(index), meta);
    const model = await pages.load(index);
    if (store.state.ui.page !== index) return;
    view.showPage(model, meta);
    stage.dataset.page = String(index);
    loading.hidden = true;
    const active = store.state.doc.regions.find((r) => r.id === store.state.ui.activeRegionId);
    if (active && active.page === index && active.bbox) view.scrollToBox(active.bbox);
  }

  store.subscribe((state, change) => {
    const ui = change.ui;
    if (change.doc) {
      view.requestDraw(true, true);
      regionList.renderRegions(state);
      relationsPanel.render(state);
      choicesPanel.render(state);
      if (change.reason !== "reset") saver.markDirty();
    }
    if (ui.has("page")) showCurrentPage();
    if (ui.has("selection") || ui.has("activeRegionId")) {
      if (state.ui.band) view.requestDraw(false, true);
      else view.drawNow(false, true);
      if (ui.has("activeRegionId")) view.requestDraw(true, false);
    } else if (ui.has("hoverWord") || ui.has("band") || ui.has("draftBox")) {
      view.requestDraw(false, true);
    }
    if (ui.has("activeRegionId") || ui.has("linkingFrom")) {
      regionList.renderActive(state);
      const from = state.ui.linkingFrom && state.doc.regions.find((r) => r.id === state.ui.linkingFrom);
      hint.hidden = !from;
      hint.textContent = from ? `Click the region “${from.text || from.label}” points to · Esc cancels` : "";
    }
    if (ui.has("tool")) viewport.dataset.tool = state.ui.tool;
    toolbar.update(state, store);
  });

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
  attachPointerInput({ viewport, ctx: { store, view, page: actions.currentPage, actions }, registry, onClickDrawn });

  function bindKeys() {
    for (const group of config.label_groups) {
      for (const label of group.labels) {
        if (label.hotkey) keymap.bind([label.hotkey], `Label “${label.value}”`, () => actions.applyLabel(label.value));
      }
    }
    for (const group of config.choices) {
      for (const choice of group.choices) {
        if (choice.hotkey) keymap.bind([choice.hotkey], `Choose “${choice.value}” (${group.name})`, () => actions.toggleChoice(group.name, choice.value));
      }
    }
    keymap.note("Click · Shift+click · Ctrl+click", "Select a word · select the reading-order range from the last word · add/remove a word");
    keymap.note("Drag", "Rubber band: select every word it touches (Shift+drag adds)");
    keymap.bind(["ctrl+z"], "Undo", actions.undo, "Ctrl+Z");
    keymap.bind(["ctrl+shift+z", "ctrl+y"], "Redo", actions.redo, "Ctrl+Shift+Z / Ctrl+Y");
    keymap.bind(["ctrl+s"], "Save now", () => saver.saveNow(), "Ctrl+S");
    keymap.bind(["ctrl+enter"], "Submit (or update)", submit, "Ctrl+Enter");
    keymap.bind(["delete", "backspace"], "Delete the active region", actions.deleteActive, "Delete / Backspace");
    keymap.bind(["escape"], "Cancel linking · clear the selection", () => (help.open ? help.close() : actions.escape()), "Esc");
    keymap.bind(["shift+a"], "Accept every prediction", actions.acceptAll, "Shift+A");
    if (config.has_relations) keymap.bind(["l"], "Link the active region to another", () => actions.startLink(), "L");
    keymap.bind(["v"], "Select tool", () => actions.setTool("select"), "V");
    keymap.bind(["r"], "Box tool (draw a free rectangle)", () => actions.setTool("box"), "R");
    keymap.note("Space+drag", "Pan (or drag with the middle button)");
    keymap.bind(["]", "pagedown"], "Next page", actions.nextPage, "] / PageDown");
    keymap.bind(["[", "pageup"], "Previous page", actions.prevPage, "[ / PageUp");
    keymap.bind(["+", "="], "Zoom in", actions.zoomIn, "+");
    keymap.bind(["-"], "Zoom out", actions.zoomOut, "−");
    keymap.note("Ctrl+wheel", "Zoom around the pointer");
    keymap.bind(["0"], "Fit the page width", actions.fitWidth, "0");
    keymap.bind(["?"], "Show or hide these shortcuts", () => help.toggle(), "?");
    window.addEventListener("keydown", (event) => keymap.handle(event));
    byRole(root, "help").addEventListener("click", () => help.toggle());
  }

  // First paint: page 0 at fit width, then mark the page interactive.
  view.showPage(null, pages.meta(0));
  view.setScale(view.fitScale());
  store.setUi({ scale: view.scale });
  regionList.renderRegions(store.state);
  relationsPanel.render(store.state);
  choicesPanel.render(store.state);
  toolbar.update(store.state, store);
  viewport.dataset.tool = store.state.ui.tool;
  await showCurrentPage();
  root.dataset.ready = "true";
  if (perf) performance.mark("labeling-ready");
}

start().catch((error) => {
  console.error(error);
  byRole(root, "loading").textContent = `This task cannot be shown: ${error instanceof Error ? error.message : error}`;
});
