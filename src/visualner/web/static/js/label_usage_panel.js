// @ts-check
/**
 * The "Labels in use" panel of the config editor (Settings): how many regions each label has
 * in annotations and predictions, and, for every used label the edited XML no longer has, a
 * choice of what becomes of its regions (renamed to a label of the new config, or deleted).
 * The config cannot be saved until every such label has a choice; the server refuses it the
 * same way (409 `labels_in_use`), see docs/api.md. Labels that regions use though the saved
 * config already lacks them (a project broken before this check) get the same, optional, choice.
 */
import { api } from "./api.js";
import { el } from "./dom.js";

/**
 * @typedef {{
 *   label: string, in_config: boolean, kind: string, regions: number, annotations: number,
 *   predicted_regions: number, predictions: number,
 * }} LabelUsage
 * @typedef {{rename: Record<string, string>, remove: Record<string, string>}} LabelChanges
 */

const DELETE = "delete";

/** @param {LabelUsage} usage */
function inUse(usage) {
  return usage.regions > 0 || usage.predicted_regions > 0;
}

/**
 * @param {HTMLElement} root the `[data-label-usage]` section
 * @param {{usageUrl: string, onChange: () => void}} options onChange: when `ready()` may differ
 */
export function attachLabelUsage(root, { usageUrl, onChange }) {
  const body = /** @type {HTMLElement} */ (root.querySelector("tbody"));
  const hint = /** @type {HTMLElement} */ (root.querySelector('[data-role="hint"]'));
  /** @type {LabelUsage[]} */
  let usage = [];
  /** @type {import("./config_preview.js").ParsedConfig | null} */
  let parsed = null;
  /** @type {Map<string, string>} label → "" (undecided), "delete" or the new label */
  const choices = new Map();

  /** the labels of the edited config with their kind */
  function newLabels() {
    /** @type {Map<string, string>} */
    const kinds = new Map();
    for (const group of parsed ? parsed.label_groups : []) {
      for (const label of group.labels) if (!kinds.has(label.value)) kinds.set(label.value, group.kind);
    }
    return kinds;
  }

  /** Used labels of the saved config that the edited one drops. */
  function dropped() {
    if (!parsed) return [];
    const kept = newLabels();
    return usage.filter((u) => u.in_config && !kept.has(u.label) && inUse(u));
  }

  /** Used labels the saved config already lacks, and the edited one too (optional to fix). */
  function orphans() {
    if (!parsed) return [];
    const kept = newLabels();
    return usage.filter((u) => !u.in_config && !kept.has(u.label) && inUse(u));
  }

  /** @param {LabelUsage} u */
  function choiceFor(u) {
    const select = el("select", { testid: "label-change", dataset: { label: u.label } });
    const kinds = newLabels();
    const regions = u.regions + u.predicted_regions;
    const prompt = u.in_config ? "Choose what becomes of its regions…" : "Keep them as they are (not in the config)";
    select.append(el("option", { text: prompt, attrs: { value: "" } }));
    for (const [label, kind] of kinds) {
      if (u.kind && kind !== u.kind) continue;
      select.append(el("option", { text: `Rename to ${label}`, attrs: { value: label } }));
    }
    select.append(el("option", { text: `Delete its ${regions} regions`, attrs: { value: DELETE } }));
    select.value = choices.get(u.label) || "";
    if (select.selectedIndex < 0) select.value = ""; // the chosen label left the new config
    choices.set(u.label, select.value);
    select.addEventListener("change", () => {
      choices.set(u.label, select.value);
      onChange();
    });
    return select;
  }

  /** @param {LabelUsage} u */
  function status(u) {
    if (!parsed) return el("span", { className: "muted", text: u.in_config ? "kept" : "not in the config" });
    if (newLabels().has(u.label)) return el("span", { className: "muted", text: u.in_config ? "kept" : "added back" });
    if (!inUse(u)) return el("span", { className: "muted", text: "removed (unused)" });
    return choiceFor(u);
  }

  function render() {
    const live = new Set([...dropped(), ...orphans()].map((u) => u.label));
    for (const label of [...choices.keys()]) if (!live.has(label)) choices.delete(label);
    body.replaceChildren(
      ...usage.map((u) =>
        el("tr", { testid: "label-usage-row", dataset: { label: u.label } }, [
          el("td", { className: "mono", text: u.label }),
          el("td", { testid: "label-usage-regions", text: String(u.regions) }),
          el("td", { text: String(u.annotations) }),
          el("td", { testid: "label-usage-predicted", text: String(u.predicted_regions) }),
          el("td", {}, [status(u)]),
        ]),
      ),
    );
    hint.hidden = dropped().length === 0;
    onChange();
  }

  async function refresh() {
    usage = await api(usageUrl);
    choices.clear();
    render();
  }

  return {
    refresh,
    /** @param {import("./config_preview.js").ParsedConfig} next the edited config, once valid */
    setParsed(next) {
      parsed = next;
      render();
    },
    /** Whether every dropped label in use has a choice. */
    ready() {
      return dropped().every((u) => Boolean(choices.get(u.label)));
    },
    /**
     * The `label_changes` of the PATCH: a label moved to a label the saved config lacks is a
     * rename, to one it has a relabel; "delete" deletes the regions.
     * @returns {LabelChanges}
     */
    changes() {
      const saved = new Set(usage.filter((u) => u.in_config).map((u) => u.label));
      /** @type {LabelChanges} */
      const changes = { rename: {}, remove: {} };
      for (const u of [...dropped(), ...orphans()]) {
        const choice = choices.get(u.label) || "";
        if (choice === DELETE) changes.remove[u.label] = DELETE;
        else if (saved.has(choice)) changes.remove[u.label] = `relabel:${choice}`;
        else if (choice) changes.rename[u.label] = choice;
      }
      return changes;
    },
  };
}
