// @ts-check
/**
 * Which labels a region may take. A config with both `<Labels>` and `<RectangleLabels>` keeps
 * them apart: a word region takes only word labels and a free box only box labels, so a box
 * label's hotkey never turns an entity into a LOGO. A config with one kind uses it for both.
 */

/** @typedef {{kind: string, labels: {value: string}[]}} LabelGroupLike */
/** @typedef {{word: string[], box: string[]}} LabelKinds */

/** @param {LabelGroupLike[]} groups @param {string} kind @returns {string[]} */
function valuesOf(groups, kind) {
  return [...new Set(groups.filter((g) => g.kind === kind).flatMap((g) => g.labels.map((l) => l.value)))];
}

/** @param {LabelGroupLike[]} groups @returns {LabelKinds} */
export function labelKinds(groups) {
  const all = [...new Set(groups.flatMap((g) => g.labels.map((l) => l.value)))];
  const word = valuesOf(groups, "labels");
  const box = valuesOf(groups, "rectanglelabels");
  return { word: word.length ? word : all, box: box.length ? box : all };
}

/**
 * The labels a region may take: word labels for a region of words, box labels for a free box.
 * @param {LabelKinds} kinds @param {{tokens: number[]}} region @returns {string[]}
 */
export function labelsForRegion(kinds, region) {
  return region.tokens.length ? kinds.word : kinds.box;
}
