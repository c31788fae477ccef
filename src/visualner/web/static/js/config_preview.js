// @ts-check
/**
 * Renders a parsed labeling config (the `parsed` of /api/label-config/validate) as the
 * annotator will meet it: colored label chips with hotkeys, relations, choices, text areas.
 */
import { el } from "./dom.js";

/** @typedef {{value: string, background: string, hotkey: string}} LabelDef */
/** @typedef {{name: string, to_name: string, kind: string, labels: LabelDef[]}} LabelGroup */
/** @typedef {{name: string, to_name: string, multiple: boolean, choices: LabelDef[]}} ChoicesDef */
/** @typedef {{name: string, to_name: string, per_region: boolean}} TextAreaDef */
/**
 * @typedef {{
 *   image_name: string, label_groups: LabelGroup[], relations: LabelDef[],
 *   has_relations: boolean, choices: ChoicesDef[], text_areas: TextAreaDef[], headers: string[],
 * }} ParsedConfig
 */

const KIND_NAMES = /** @type {Record<string, string>} */ ({
  labels: "Word labels · click OCR words",
  rectanglelabels: "Box labels · draw a rectangle",
});

/**
 * @param {LabelDef} label
 * @param {string} testid
 */
function chip(label, testid) {
  const node = el("span", { className: "chip", testid, dataset: { value: label.value } }, [
    el("span", { className: "chip-dot", attrs: { "aria-hidden": "true" } }),
    el("span", { className: "chip-text", text: label.value }),
  ]);
  if (label.background) node.style.setProperty("--chip-color", label.background);
  if (label.hotkey) {
    node.append(el("kbd", { className: "chip-key", text: label.hotkey, attrs: { title: "Hotkey" } }));
  }
  return node;
}

/**
 * @param {string} title
 * @param {string} subtitle
 * @param {Node[]} chips
 * @param {string} testid
 */
function section(title, subtitle, chips, testid) {
  return el("section", { className: "preview-section", testid }, [
    el("h3", { className: "preview-title" }, [
      title,
      el("span", { className: "preview-subtitle", text: subtitle }),
    ]),
    el("div", { className: "chip-row" }, chips),
  ]);
}

/**
 * @param {HTMLElement} container
 * @param {ParsedConfig} parsed
 */
export function renderConfigPreview(container, parsed) {
  const parts = [];
  for (const header of parsed.headers || []) {
    parts.push(el("p", { className: "preview-header", text: header }));
  }
  for (const group of parsed.label_groups) {
    parts.push(
      section(
        group.name,
        KIND_NAMES[group.kind] || group.kind,
        group.labels.map((label) => chip(label, "preview-label")),
        "preview-label-group",
      ),
    );
  }
  if (parsed.has_relations) {
    const relations = parsed.relations.length
      ? parsed.relations.map((relation) => chip(relation, "preview-relation"))
      : [el("span", { className: "muted", text: "untyped links between regions" })];
    parts.push(section("Relations", "link two regions", relations, "preview-relations"));
  }
  for (const choices of parsed.choices) {
    parts.push(
      section(
        choices.name,
        choices.multiple ? "Choices · pick any" : "Choices · pick one",
        choices.choices.map((choice) => chip(choice, "preview-choice")),
        "preview-choices",
      ),
    );
  }
  for (const area of parsed.text_areas) {
    const where = area.per_region ? "a text box per region" : "one text box per task";
    parts.push(
      el("p", { className: "preview-textarea muted", testid: "preview-textarea" }, [
        el("strong", { text: area.name }),
        ` · ${where}`,
      ]),
    );
  }
  container.replaceChildren(el("h3", { className: "preview-heading", text: "Preview" }), ...parts);
}
