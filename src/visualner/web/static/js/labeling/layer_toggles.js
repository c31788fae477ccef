// @ts-check
/**
 * The toolbar's show/hide toggles for region boxes and relation arrows (Shift+B, Shift+L).
 * The choice is the annotator's, not the task's: it is kept in localStorage under their
 * username and applies to every task they open in this browser afterwards (someone else
 * logging in on the same browser keeps their own).
 */
import { byRole } from "../dom.js";

/** @param {string} username @returns {string} where this user's choice is kept */
export const layersKey = (username) => `visualner.labeling.layers.${username}`;

/**
 * The user's saved choice; both shown when nothing (or something unreadable) is saved.
 * @param {Storage | null} storage @param {string} username
 * @returns {{showRegions: boolean, showRelations: boolean}}
 */
export function savedLayers(storage, username) {
  try {
    const saved = JSON.parse((storage && storage.getItem(layersKey(username))) || "{}");
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
 *   username: string,
 * }} deps
 */
export function attachLayerToggles(root, { store, actions, hasRelations, storage, username }) {
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

  store.setUi(savedLayers(storage, username));
  show(store.state.ui);
  store.subscribe((state, change) => {
    if (!change.ui.has("showRegions") && !change.ui.has("showRelations")) return;
    show(state.ui);
    const { showRegions, showRelations } = state.ui;
    try {
      storage?.setItem(layersKey(username), JSON.stringify({ showRegions, showRelations }));
    } catch {
      // storage full or disabled: the toggle still works for this page
    }
  });
}
