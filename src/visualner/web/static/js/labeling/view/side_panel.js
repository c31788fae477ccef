// @ts-check
/**
 * The regions list: label (changeable), text (editable: OCR corrections), page, the
 * prediction badge with Accept, Link and Delete. Rows are keyed by region object: regions
 * are immutable, so an unchanged region keeps its row (and a focused input keeps focus).
 */
import { byRole, el } from "../../dom.js";
import { isPending } from "../model/regions.js";

/** @typedef {import("../model/regions.js").Region} Region */

/**
 * @param {HTMLElement} root
 * @param {{
 *   config: import("../actions.js").ParsedConfig,
 *   actions: import("../actions.js").Actions,
 *   colorOf: (label: string) => string,
 * }} deps
 */
export function createRegionList(root, { config, actions, colorOf }) {
  const list = byRole(root, "regions");
  const empty = byRole(root, "regions-empty");
  const count = byRole(root, "region-count");
  const predictions = byRole(root, "predictions");
  const predictionSummary = byRole(root, "prediction-summary");
  byRole(root, "accept-all").addEventListener("click", () => actions.acceptAll());
  /** @type {Map<string, {region: Region, row: HTMLLIElement}>} */
  let rows = new Map();

  /** @param {Region} region */
  function buildRow(region) {
    const pending = isPending(region);
    const offered = actions.labelsFor(region);
    // A label it holds from before (another kind, or one the config dropped) stays visible.
    const options = offered.includes(region.label) ? offered : [region.label, ...offered];
    const labelSelect = el(
      "select",
      { className: "region-label", testid: "region-label", attrs: { "aria-label": "Label" } },
      options.map((value) => el("option", { text: value, attrs: { value } })),
    );
    labelSelect.value = region.label;
    labelSelect.style.setProperty("--chip-color", colorOf(region.label));
    labelSelect.addEventListener("change", () => actions.relabelRegion(region.id, labelSelect.value));

    const text = el("input", {
      className: "region-text",
      testid: "region-text",
      attrs: { type: "text", "aria-label": "Text", placeholder: region.tokens.length ? "" : "Type the text in this box" },
    });
    text.value = region.text;
    text.addEventListener("change", () => actions.setRegionText(region.id, text.value));
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter") text.blur();
    });

    const meta = el("div", { className: "region-meta" }, [
      el("span", { className: "muted", testid: "region-page", text: `p. ${region.page + 1}` }),
      el("span", { className: "muted", text: region.tokens.length ? `${region.tokens.length} word${region.tokens.length === 1 ? "" : "s"}` : "box" }),
    ]);
    if (pending) meta.append(el("span", { className: "badge badge-prediction", testid: "prediction-badge", text: "prediction" }));
    else if (region.origin !== "manual") meta.append(el("span", { className: "badge", testid: "region-origin", text: region.origin }));

    const buttons = el("div", { className: "region-actions" });
    if (pending) {
      const accept = el("button", { className: "btn btn-sm", testid: "accept-region", text: "Accept", attrs: { type: "button" } });
      accept.addEventListener("click", (event) => {
        event.stopPropagation();
        actions.accept(region.id);
      });
      buttons.append(accept);
    }
    if (config.has_relations) {
      const link = el("button", { className: "btn btn-sm btn-ghost", testid: "link-region", text: "Link", attrs: { type: "button", title: "Link to another region" } });
      link.addEventListener("click", (event) => {
        event.stopPropagation();
        actions.startLink(region.id);
      });
      buttons.append(link);
    }
    const remove = el("button", { className: "btn btn-sm btn-ghost btn-danger-text", testid: "delete-region", text: "Delete", attrs: { type: "button", title: "Delete (Del)" } });
    remove.addEventListener("click", (event) => {
      event.stopPropagation();
      actions.deleteRegion(region.id);
    });
    buttons.append(remove);

    const row = el(
      "li",
      { className: `region-row${pending ? " is-pending" : ""}`, testid: "region-row", dataset: { regionId: region.id, label: region.label } },
      [el("div", { className: "region-head" }, [labelSelect, buttons]), text, meta],
    );
    row.style.setProperty("--chip-color", colorOf(region.label));
    row.addEventListener("click", () => actions.focusRegion(region.id));
    row.addEventListener("focusin", () => {
      if (!row.classList.contains("active")) actions.focusRegion(region.id);
    });
    return row;
  }

  return {
    /** @param {import("../state/store.js").State} state */
    renderRegions(state) {
      const { regions } = state.doc;
      /** @type {Map<string, {region: Region, row: HTMLLIElement}>} */
      const next = new Map();
      const ordered = [...regions].sort((a, b) => a.page - b.page || firstToken(a) - firstToken(b) || (a.bbox?.[1] ?? 0) - (b.bbox?.[1] ?? 0));
      const nodes = ordered.map((region) => {
        const known = rows.get(region.id);
        const row = known && known.region === region ? known.row : buildRow(region);
        next.set(region.id, { region, row });
        return row;
      });
      const same = nodes.length === list.children.length && nodes.every((n, i) => list.children[i] === n);
      if (!same) list.replaceChildren(...nodes);
      rows = next;
      count.textContent = String(regions.length);
      empty.hidden = regions.length > 0;
      const pending = regions.filter(isPending).length;
      predictions.hidden = pending === 0;
      predictionSummary.textContent = `${pending} predicted region${pending === 1 ? "" : "s"} to review: accept, edit or delete them.`;
      this.renderActive(state);
    },
    /** @param {import("../state/store.js").State} state */
    renderActive(state) {
      const { activeRegionId, linkingFrom } = state.ui;
      for (const [id, { row }] of rows) {
        const active = id === activeRegionId;
        if (row.classList.contains("active") !== active) {
          row.classList.toggle("active", active);
          if (active) row.scrollIntoView({ block: "nearest" });
        }
        row.classList.toggle("is-link-source", id === linkingFrom);
      }
      list.classList.toggle("is-linking", Boolean(linkingFrom));
    },
  };
}

/** @param {Region} region */
function firstToken(region) {
  return region.tokens.length ? region.tokens[0] : Number.MAX_SAFE_INTEGER;
}
