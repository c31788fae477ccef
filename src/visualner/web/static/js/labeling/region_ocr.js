// @ts-check
/**
 * "Re-OCR box": the active region's box is read again by the server at a higher resolution
 * (`POST /api/tasks/{id}/pages/{n}/ocr-region`); the page's words are swapped for the answer
 * and the document's regions follow the moved words (model/word_remap.js). Undo steps from
 * before point at the old words, so the history starts again; the document is saved as usual.
 */
import { api } from "../api.js";
import { byRole } from "../dom.js";
import { showToast } from "../toast.js";
import { remapPageTokens } from "./model/word_remap.js";

/**
 * @param {{
 *   root: HTMLElement, taskId: number, canAnnotate: boolean,
 *   store: import("./state/store.js").Store,
 *   pages: import("./task_source.js").PageSource,
 *   view: import("./view/page_view.js").PageView,
 *   markDirty: () => void,
 * }} deps
 */
export function createRegionOcr({ root, taskId, canAnnotate, store, pages, view, markDirty }) {
  const button = /** @type {HTMLButtonElement} */ (byRole(root, "reocr"));
  let busy = false;

  function activeBox() {
    const { doc, ui } = store.state;
    const region = doc.regions.find((r) => r.id === ui.activeRegionId);
    return region && region.page === ui.page && region.bbox ? region : null;
  }

  function update() {
    button.disabled = busy || !canAnnotate || !activeBox();
    button.dataset.state = busy ? "busy" : "idle";
  }

  async function run() {
    const region = activeBox();
    if (!region || !region.bbox || busy) return;
    const page = region.page;
    busy = true;
    update();
    try {
      const answer = await api(`/api/tasks/${taskId}/pages/${page}/ocr-region`, {
        method: "POST",
        body: { bbox: region.bbox },
      });
      pages.replaceWords(page, answer.words);
      store.reset(remapPageTokens(store.state.doc, page, answer.word_map, answer.words, region.id));
      store.setUi({ selection: [], anchor: -1, hoverWord: -1, activeRegionId: region.id });
      markDirty();
      if (store.state.ui.page === page) view.showPage(pages.loaded(page), pages.meta(page));
      showToast(`Read again: ${answer.added} word${answer.added === 1 ? "" : "s"} replace ${answer.replaced}.`, "success");
    } catch {
      // api() has shown the server's message.
    } finally {
      busy = false;
      update();
    }
  }

  button.addEventListener("click", run);
  store.subscribe((_state, change) => {
    if (change.doc || change.ui.has("activeRegionId") || change.ui.has("page")) update();
  });
  update();
  return { run };
}
