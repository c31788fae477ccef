// @ts-check
/**
 * Relations between regions (when the config has <Relations>): "from → to", the relation
 * label when there are several to choose from, and Delete.
 */
import { byRole, el } from "../../dom.js";

/**
 * @param {HTMLElement} root
 * @param {{config: import("../actions.js").ParsedConfig, actions: import("../actions.js").Actions}} deps
 */
export function createRelationsPanel(root, { config, actions }) {
  const section = byRole(root, "relations-section");
  const list = byRole(root, "relations");
  const empty = byRole(root, "relations-empty");
  const count = byRole(root, "relation-count");
  section.hidden = !config.has_relations;
  /** @type {import("../model/regions.js").Relation[] | null} */
  let shown = null;
  /** @type {import("../model/regions.js").Region[] | null} */
  let shownRegions = null;

  /** @param {import("../model/regions.js").Region | undefined} region */
  function endpoint(region) {
    if (!region) return el("span", { className: "muted", text: "(missing)" });
    const chip = el("button", {
      className: "relation-end",
      text: region.text || region.label,
      attrs: { type: "button", title: `${region.label} on page ${region.page + 1}` },
    });
    chip.style.setProperty("--chip-color", "");
    chip.addEventListener("click", () => actions.focusRegion(region.id));
    return chip;
  }

  return {
    /** @param {import("../state/store.js").State} state */
    render(state) {
      if (!config.has_relations) return;
      const { relations, regions } = state.doc;
      if (relations === shown && regions === shownRegions) return;
      shown = relations;
      shownRegions = regions;
      const byId = new Map(regions.map((r) => [r.id, r]));
      const rows = relations.map((relation, position) => {
        const parts = [endpoint(byId.get(relation.from_id)), el("span", { className: "relation-arrow", text: "→" }), endpoint(byId.get(relation.to_id))];
        if (config.relations.length > 1) {
          const select = el(
            "select",
            { className: "relation-label", attrs: { "aria-label": "Relation" } },
            config.relations.map((r) => el("option", { text: r.value, attrs: { value: r.value } })),
          );
          select.value = relation.label;
          select.addEventListener("change", () => actions.relabelRelation(position, select.value));
          parts.push(select);
        } else if (relation.label) {
          parts.push(el("span", { className: "badge", text: relation.label }));
        }
        const remove = el("button", { className: "btn btn-sm btn-ghost btn-danger-text", testid: "delete-relation", text: "✕", attrs: { type: "button", title: "Delete relation", "aria-label": "Delete relation" } });
        remove.addEventListener("click", () => actions.deleteRelation(position));
        return el("li", { className: "relation-row", testid: "relation-row" }, [el("div", { className: "relation-ends" }, parts), remove]);
      });
      list.replaceChildren(...rows);
      count.textContent = String(relations.length);
      empty.hidden = relations.length > 0;
    },
  };
}
