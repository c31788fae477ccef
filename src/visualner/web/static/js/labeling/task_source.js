// @ts-check
/**
 * Loading a task and its pages. Words come inline with the task for small documents;
 * bigger ones (`words_inline: false`) fetch `/api/tasks/{id}/pages/{n}` when the page is
 * first shown. Each page's spatial index is built once, when it is first needed.
 */
import { api } from "../api.js";
import { buildSpatialIndex } from "./model/spatial_index.js";

/** @typedef {import("./model/regions.js").Word} Word */
/**
 * @typedef {{
 *   index: number, width: number, height: number, image_url: string | null,
 *   word_count?: number, words?: Word[],
 * }} PageJson
 */
/**
 * @typedef {{
 *   index: number, width: number, height: number, imageUrl: string | null,
 *   words: Word[], spatial: import("./model/spatial_index.js").SpatialIndex,
 * }} PageModel
 */

/** @param {PageJson} page @param {Word[]} words @returns {PageModel} */
function pageModel(page, words) {
  const boxes = new Float32Array(words.length * 4);
  words.forEach((word, i) => boxes.set(word.bbox, i * 4));
  return {
    index: page.index,
    width: page.width,
    height: page.height,
    imageUrl: page.image_url,
    words,
    spatial: buildSpatialIndex(boxes, page.width, page.height),
  };
}

/**
 * @param {number} taskId
 * @param {{words_inline: boolean, pages: PageJson[]}} task
 */
export function createPageSource(taskId, task) {
  /** @type {Map<number, Promise<PageModel>>} */
  const loading = new Map();
  /** @type {Map<number, PageModel>} */
  const ready = new Map();

  /** @param {number} index @returns {Promise<PageModel>} */
  async function fetchPage(index) {
    const meta = task.pages[index];
    const words =
      task.words_inline && meta.words
        ? meta.words
        : /** @type {PageJson} */ (await api(`/api/tasks/${taskId}/pages/${index}`)).words || [];
    const model = pageModel(meta, words);
    ready.set(index, model);
    return model;
  }

  return {
    count: task.pages.length,
    /** @param {number} index */
    meta(index) {
      return task.pages[index];
    },
    /** The page if it is loaded already. @param {number} index */
    loaded(index) {
      return ready.get(index) || null;
    },
    /**
     * New words for a loaded page (a region was read again); the spatial index is rebuilt.
     * @param {number} index @param {Word[]} words
     */
    replaceWords(index, words) {
      const meta = task.pages[index];
      if (task.words_inline) meta.words = words;
      const model = pageModel(meta, words);
      ready.set(index, model);
      loading.set(index, Promise.resolve(model));
    },
    /** @param {number} index @returns {Promise<PageModel>} */
    load(index) {
      let pending = loading.get(index);
      if (!pending) {
        pending = fetchPage(index);
        pending.catch(() => loading.delete(index));
        loading.set(index, pending);
      }
      return pending;
    },
  };
}

/** @typedef {ReturnType<typeof createPageSource>} PageSource */
