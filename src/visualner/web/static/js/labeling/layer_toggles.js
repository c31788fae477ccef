// @ts-check
/**
 * The toolbar's show/hide toggles for region boxes and relation arrows (Shift+B, Shift+L).
 * The choice is the annotator's, not the task's: it is kept in localStorage and applies to
 * every task opened in this browser afterwards.
 */
import { byRole } from "../dom.js";

export const LAYERS_KEY = "visualner.labeling.layers";

/**
 * The saved choice; both shown when nothing (or something unreadable) is saved.
 * @param {Storage | null} storage
 * @returns {{showRegions: boolean, showRelations: boolean}}
 */
export function savedLayers(storage) {
  try {
    const saved = JSON.parse((storage && storage.getItem(LAYERS_KEY)) || "{}");
    return { showRegions: saved.showRegions !== false, showRelations: saved.showRelations !== false };
  } catch {
    return { showRegions: true, showRelations: true };
  }
}

/**
 * @param {HTMLElement} root
 * @param {{
 *   store: import("./state/store.js").Store,
 *   actions: {toggleRegions: () => void, toggleRelations: () => void},
 *   hasRelations: boolean,
 *   storage: Storage | null,
 * }} deps
 */
export function attachLayerToggles(root, { store, actions, hasRelations, storage }) {
  const regions = byRole(root, "toggle-regions");
  const relations = byRole(root, "toggle-relations");
  relations.hidden = !hasRelations;
  regions.addEventListener("click", actions.toggleRegions);
  relations.addEventListener("click", actions.toggleRelations);

  /** @param {import("./state/store.js").Ui} ui */
  function show(ui) {
    regions.setAttribute("aria-pressed", String(ui.showRegions));
    regions.classList.toggle("active", ui.showRegions);
    relations.setAttribute("aria-pressed", String(ui.showRelations));
    relations.classList.toggle("active", ui.showRelations);
  }

  store.setUi(savedLayers(storage));
  show(store.state.ui);
  store.subscribe((state, change) => {
    if (!change.ui.has("showRegions") && !change.ui.has("showRelations")) return;
    show(state.ui);
    const { showRegions, showRelations } = state.ui;
    try {
      storage?.setItem(LAYERS_KEY, JSON.stringify({ showRegions, showRelations }));
    } catch {
      // storage full or disabled: the toggle still works for this page
    }
  });
}
