// @ts-check
/**
 * The page: an <img> in a scrollable stage, with two canvases laid over the visible part.
 * The words canvas holds every word box, the regions and the relations; the light overlay
 * canvas holds what changes on every click or pointer move (selection, hover, rubber band,
 * the box being drawn), so a click redraws only that. No DOM node per word.
 *
 * The view only renders: it reads a scene (page, document, view state) and draws it.
 */
import { clampScale, fitWidthScale, toPage } from "../model/geometry.js";
import {
  drawActiveRegion,
  drawBoxOutline,
  drawLowConfidence,
  drawRegion,
  drawRelation,
  drawSearchHits,
  drawSelection,
  drawWordBoxes,
} from "./canvas_draw.js";

/** @typedef {import("../task_source.js").PageModel} PageModel */
/**
 * @typedef {{
 *   page: PageModel | null,
 *   doc: import("../model/regions.js").Doc,
 *   ui: import("../state/store.js").Ui,
 *   colorOf: (label: string) => string,
 * }} Scene
 */

const STAGE_PADDING = 20;

export class PageView {
  /**
   * @param {{
   *   wrap: HTMLElement, viewport: HTMLElement, stage: HTMLElement, image: HTMLImageElement,
   *   wordsCanvas: HTMLCanvasElement, overlayCanvas: HTMLCanvasElement, tooltip: HTMLElement,
   * }} elements
   * @param {() => Scene} getScene
   */
  constructor(elements, getScene) {
    this.el = elements;
    this.getScene = getScene;
    this.wordsCtx = /** @type {CanvasRenderingContext2D} */ (elements.wordsCanvas.getContext("2d"));
    this.overlayCtx = /** @type {CanvasRenderingContext2D} */ (elements.overlayCanvas.getContext("2d"));
    this.scale = 1;
    /** @type {PageModel | null} */
    this.page = null;
    this.wordsDirty = false;
    this.overlayDirty = false;
    /** Words read below this OCR confidence are marked (0: no marks). */
    this.lowConfidence = 0;
    this.frame = 0;
    this.dpr = window.devicePixelRatio || 1;
    /** @type {Map<number, number[]>} page index → word indices a search matched */
    this.searchHits = new Map();
    new ResizeObserver(() => this.resize()).observe(elements.wrap);
    elements.viewport.addEventListener("scroll", () => this.requestDraw(true, true), { passive: true });
    this.resize();
  }

  resize() {
    const { wrap, wordsCanvas, overlayCanvas } = this.el;
    this.dpr = window.devicePixelRatio || 1;
    for (const canvas of [wordsCanvas, overlayCanvas]) {
      canvas.width = Math.max(1, Math.round(wrap.clientWidth * this.dpr));
      canvas.height = Math.max(1, Math.round(wrap.clientHeight * this.dpr));
      canvas.style.width = `${wrap.clientWidth}px`;
      canvas.style.height = `${wrap.clientHeight}px`;
    }
    this.drawNow(true, true);
  }

  /**
   * Show a page (null while it loads). Keeps the zoom; scrolls to the top.
   * @param {PageModel | null} page @param {{width: number, height: number, image_url: string | null}} meta
   */
  showPage(page, meta) {
    const { image, stage, viewport } = this.el;
    this.page = page;
    const url = meta.image_url || "";
    if (image.getAttribute("src") !== url) {
      if (url) image.src = url;
      else image.removeAttribute("src");
    }
    this.pageWidth = meta.width;
    this.pageHeight = meta.height;
    this.applyStageSize();
    viewport.scrollTop = 0;
    stage.dataset.wordCount = String(page ? page.words.length : 0);
    this.drawNow(true, true);
  }

  applyStageSize() {
    const { stage } = this.el;
    stage.style.width = `${(this.pageWidth || 0) * this.scale}px`;
    stage.style.height = `${(this.pageHeight || 0) * this.scale}px`;
    stage.dataset.scale = String(this.scale);
  }

  /** The scale that fits the page's width into the visible area. */
  fitScale() {
    const available = this.el.viewport.clientWidth - 2 * STAGE_PADDING;
    return fitWidthScale(this.pageWidth || 1, Math.max(100, available));
  }

  /**
   * Zoom to `scale`, keeping the page point under `anchor` (client coordinates; the centre
   * of the visible area by default) in place.
   * @param {number} scale @param {{x: number, y: number}} [anchor]
   */
  setScale(scale, anchor) {
    const { viewport } = this.el;
    const next = clampScale(scale);
    const rect = viewport.getBoundingClientRect();
    const at = anchor || { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
    const pagePoint = this.clientToPage(at.x, at.y);
    this.scale = next;
    this.applyStageSize();
    const origin = this.stageOrigin();
    viewport.scrollLeft += origin.x + pagePoint.x * next - at.x;
    viewport.scrollTop += origin.y + pagePoint.y * next - at.y;
    this.drawNow(true, true);
  }

  /** The stage's top-left corner in client coordinates. */
  stageOrigin() {
    const rect = this.el.stage.getBoundingClientRect();
    return { x: rect.left, y: rect.top };
  }

  /** @param {number} clientX @param {number} clientY */
  clientToPage(clientX, clientY) {
    const origin = this.stageOrigin();
    return toPage({ scale: this.scale, originX: origin.x, originY: origin.y }, { x: clientX, y: clientY });
  }

  /** @param {number} x @param {number} y page pixels */
  pageToClient(x, y) {
    const origin = this.stageOrigin();
    return { x: origin.x + x * this.scale, y: origin.y + y * this.scale };
  }

  /** Bring a page box into view (e.g. a region picked in the side panel). @param {import("../model/geometry.js").Box} box */
  scrollToBox(box) {
    const { viewport } = this.el;
    const top = this.pageToClient(box[0], box[1]);
    const bottom = this.pageToClient(box[2], box[3]);
    const rect = viewport.getBoundingClientRect();
    if (top.y < rect.top + 40 || bottom.y > rect.bottom - 40) {
      viewport.scrollTop += (top.y + bottom.y) / 2 - (rect.top + rect.height / 2);
    }
    if (top.x < rect.left || bottom.x > rect.right) {
      viewport.scrollLeft += (top.x + bottom.x) / 2 - (rect.left + rect.width / 2);
    }
  }

  /**
   * Redraw at the next animation frame (many changes in one frame cost one draw).
   * @param {boolean} words @param {boolean} overlay
   */
  requestDraw(words, overlay) {
    this.wordsDirty ||= words;
    this.overlayDirty ||= overlay;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawNow(this.wordsDirty, this.overlayDirty);
    });
  }

  /**
   * Draw now (clicks draw their selection at once, not a frame later).
   * @param {boolean} words @param {boolean} overlay
   */
  drawNow(words, overlay) {
    const scene = this.getScene();
    const transform = this.canvasTransform();
    if (words) {
      this.wordsDirty = false;
      this.drawWords(scene, transform);
    }
    if (overlay) {
      this.overlayDirty = false;
      this.drawOverlay(scene, transform);
    }
  }

  canvasTransform() {
    const wrapRect = this.el.wrap.getBoundingClientRect();
    const origin = this.stageOrigin();
    return { x: origin.x - wrapRect.left, y: origin.y - wrapRect.top };
  }

  /** @param {CanvasRenderingContext2D} ctx @param {{x: number, y: number}} origin */
  prepare(ctx, origin) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    const k = this.dpr * this.scale;
    ctx.setTransform(k, 0, 0, k, origin.x * this.dpr, origin.y * this.dpr);
  }

  /** @param {Scene} scene @param {{x: number, y: number}} origin */
  drawWords(scene, origin) {
    const ctx = this.wordsCtx;
    this.prepare(ctx, origin);
    const page = scene.page;
    if (!page) return;
    const hits = this.searchHits.get(page.index) || [];
    if (hits.length) drawSearchHits(ctx, page.words, hits);
    this.el.stage.dataset.searchHits = String(hits.length);
    drawWordBoxes(ctx, page.spatial.boxes, this.scale);
    const marked = this.lowConfidence > 0 ? drawLowConfidence(ctx, page.words, this.lowConfidence, this.scale) : 0;
    this.el.stage.dataset.lowConfidenceWords = String(marked);
    /** @type {Map<string, import("../model/regions.js").Region>} */
    const onPage = new Map();
    for (const region of scene.doc.regions) {
      if (region.page !== page.index) continue;
      onPage.set(region.id, region);
      if (scene.ui.showRegions) drawRegion(ctx, region, page.words, scene.colorOf(region.label), this.scale);
    }
    let arrows = 0;
    for (const relation of scene.ui.showRelations ? scene.doc.relations : []) {
      const from = onPage.get(relation.from_id);
      const to = onPage.get(relation.to_id);
      if (from && to && from.bbox && to.bbox) {
        const active = scene.ui.activeRegionId;
        drawRelation(ctx, from.bbox, to.bbox, this.scale, active === from.id || active === to.id);
        arrows += 1;
      }
    }
    // How many regions and arrows are on the canvas (what the show/hide toggles change).
    this.el.stage.dataset.regionsDrawn = String(scene.ui.showRegions ? onPage.size : 0);
    this.el.stage.dataset.relationsDrawn = String(arrows);
  }

  /** @param {Scene} scene @param {{x: number, y: number}} origin */
  drawOverlay(scene, origin) {
    const ctx = this.overlayCtx;
    this.prepare(ctx, origin);
    const page = scene.page;
    const { ui } = scene;
    if (page) {
      const active = ui.activeRegionId && scene.doc.regions.find((r) => r.id === ui.activeRegionId);
      if (active && active.page === page.index) {
        drawActiveRegion(ctx, active, page.words, scene.colorOf(active.label), this.scale);
      }
      drawSelection(ctx, page.spatial.boxes, ui.selection, this.scale);
      if (ui.hoverWord >= 0 && ui.hoverWord < page.words.length) {
        drawBoxOutline(ctx, page.words[ui.hoverWord].bbox, "#4f46e5", this.scale, { width: 2 });
      }
    }
    if (ui.band) drawBoxOutline(ctx, ui.band, "#4f46e5", this.scale, { dashed: true, fill: 0.08 });
    if (ui.draftBox) {
      drawBoxOutline(ctx, ui.draftBox, scene.colorOf(ui.boxLabel), this.scale, { width: 2, fill: 0.12 });
    }
    this.el.overlayCanvas.dataset.drawn = String((Number(this.el.overlayCanvas.dataset.drawn) || 0) + 1);
    this.updateTooltip(scene);
  }

  /** The hovered word's OCR text, as text (never markup). @param {Scene} scene */
  updateTooltip(scene) {
    const { tooltip, wrap } = this.el;
    const page = scene.page;
    const index = scene.ui.hoverWord;
    if (!page || index < 0 || index >= page.words.length || scene.ui.band) {
      tooltip.hidden = true;
      return;
    }
    const word = page.words[index];
    const corner = this.pageToClient(word.bbox[0], word.bbox[1]);
    const wrapRect = wrap.getBoundingClientRect();
    const unsure = word.confidence !== undefined && word.confidence < this.lowConfidence;
    tooltip.textContent = (word.text || "(empty)") + (unsure ? ` · OCR ${Math.round((word.confidence || 0) * 100)}% sure` : "");
    tooltip.dataset.lowConfidence = String(unsure);
    tooltip.hidden = false;
    tooltip.style.transform = `translate(${Math.round(corner.x - wrapRect.left)}px, ${Math.round(corner.y - wrapRect.top - 26)}px)`;
  }
}
