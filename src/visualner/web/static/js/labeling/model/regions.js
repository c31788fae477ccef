// @ts-check
/**
 * The annotation document and its edits, as pure functions: each takes a document and
 * returns a new one (never mutating), so the store can keep old documents as undo steps.
 * Shapes follow docs/annotation-format.md.
 */
import { roundBox, unionBox } from "./geometry.js";

/** @typedef {import("./geometry.js").Box} Box */
/** @typedef {{text: string, bbox: Box, confidence?: number, line?: number, block?: number}} Word */
/**
 * @typedef {{
 *   id: string, page: number, label: string, tokens: number[], bbox: Box | null,
 *   text: string, origin: string, score?: number | null,
 * }} Region
 */
/** @typedef {{from_id: string, to_id: string, label: string}} Relation */
/** @typedef {{regions: Region[], relations: Relation[], choices: Record<string, string[]>}} Doc */

/** Regions a model proposed that nobody accepted yet carry this origin. */
export const PENDING_ORIGIN = "prediction";
export const MANUAL_ORIGIN = "manual";

/** @returns {Doc} */
export function emptyDoc() {
  return { regions: [], relations: [], choices: {} };
}

let idCounter = 0;

/** A short id, unique within the document. @param {Doc} doc */
export function newRegionId(doc) {
  const taken = new Set(doc.regions.map((r) => r.id));
  for (;;) {
    idCounter += 1;
    const id = `r${Date.now().toString(36).slice(-4)}${idCounter.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
    if (!taken.has(id)) return id;
  }
}

/** @param {Region} region */
export function isPending(region) {
  return region.origin === PENDING_ORIGIN;
}

/**
 * The words' text in reading order (ascending index), joined by spaces.
 * @param {Word[]} words @param {number[]} tokens sorted ascending
 */
export function tokensText(words, tokens) {
  return tokens.map((t) => (words[t] ? words[t].text : "")).join(" ");
}

/** @param {Word[]} words @param {number[]} tokens @returns {Box | null} */
export function tokensBox(words, tokens) {
  const box = unionBox(tokens.filter((t) => words[t]).map((t) => words[t].bbox));
  return box ? roundBox(box) : null;
}

/** @param {number[]} a @param {number[]} b */
function sameTokens(a, b) {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/**
 * Label some words of a page. If a region holds exactly these words it is relabelled (its id
 * and relations stay); otherwise the words leave the regions that held them (emptied regions
 * go, with their relations) and join one new region.
 * Relabelling a predicted region accepts it (`acceptedOrigin` names its model).
 * @param {Doc} doc
 * @param {{page: number, tokens: number[], label: string, words: Word[], acceptedOrigin?: (id: string) => string}} args
 * @returns {{doc: Doc, regionId: string}}
 */
export function labelWords(doc, { page, tokens, label, words, acceptedOrigin }) {
  const sorted = [...new Set(tokens)].sort((a, b) => a - b);
  const same = doc.regions.find((r) => r.page === page && sameTokens(r.tokens, sorted));
  if (same) {
    const origin = isPending(same) && acceptedOrigin ? acceptedOrigin(same.id) : same.origin;
    return { doc: updateRegion(doc, same.id, { label, origin }), regionId: same.id };
  }
  const taken = new Set(sorted);
  /** @type {Region[]} */
  const kept = [];
  const dropped = new Set();
  for (const region of doc.regions) {
    if (region.page !== page || !region.tokens.some((t) => taken.has(t))) {
      kept.push(region);
      continue;
    }
    const rest = region.tokens.filter((t) => !taken.has(t));
    if (!rest.length) {
      dropped.add(region.id);
      continue;
    }
    kept.push({ ...region, tokens: rest, text: tokensText(words, rest), bbox: tokensBox(words, rest) });
  }
  const regionId = newRegionId(doc);
  kept.push({
    id: regionId,
    page,
    label,
    tokens: sorted,
    bbox: tokensBox(words, sorted),
    text: tokensText(words, sorted),
    origin: MANUAL_ORIGIN,
  });
  const relations = doc.relations.filter((r) => !dropped.has(r.from_id) && !dropped.has(r.to_id));
  return { doc: { ...doc, regions: kept, relations }, regionId };
}

/**
 * A free box (no words): logos, signatures, text the OCR missed.
 * @param {Doc} doc @param {{page: number, bbox: Box, label: string, text?: string}} args
 * @returns {{doc: Doc, regionId: string}}
 */
export function addBoxRegion(doc, { page, bbox, label, text = "" }) {
  const regionId = newRegionId(doc);
  const region = { id: regionId, page, label, tokens: [], bbox: roundBox(bbox), text, origin: MANUAL_ORIGIN };
  return { doc: { ...doc, regions: [...doc.regions, region] }, regionId };
}

/**
 * @param {Doc} doc @param {string} id @param {Partial<Region>} changes @returns {Doc}
 */
export function updateRegion(doc, id, changes) {
  return { ...doc, regions: doc.regions.map((r) => (r.id === id ? { ...r, ...changes } : r)) };
}

/** @param {Doc} doc @param {string} id @returns {Doc} */
export function deleteRegion(doc, id) {
  return {
    ...doc,
    regions: doc.regions.filter((r) => r.id !== id),
    relations: doc.relations.filter((r) => r.from_id !== id && r.to_id !== id),
  };
}

/**
 * Accept predicted regions: their origin becomes the model that made them.
 * @param {Doc} doc @param {string[] | null} ids null for every pending region
 * @param {(regionId: string) => string} modelOf
 * @returns {Doc}
 */
export function acceptPredictions(doc, ids, modelOf) {
  const wanted = ids ? new Set(ids) : null;
  return {
    ...doc,
    regions: doc.regions.map((r) =>
      isPending(r) && (!wanted || wanted.has(r.id)) ? { ...r, origin: modelOf(r.id) } : r,
    ),
  };
}

/** @param {Doc} doc @param {Relation} relation @returns {Doc} */
export function addRelation(doc, relation) {
  const exists = doc.relations.some(
    (r) => r.from_id === relation.from_id && r.to_id === relation.to_id && r.label === relation.label,
  );
  if (exists || relation.from_id === relation.to_id) return doc;
  return { ...doc, relations: [...doc.relations, relation] };
}

/** @param {Doc} doc @param {number} position @returns {Doc} */
export function deleteRelation(doc, position) {
  return { ...doc, relations: doc.relations.filter((_, i) => i !== position) };
}

/** @param {Doc} doc @param {number} position @param {string} label @returns {Doc} */
export function relabelRelation(doc, position, label) {
  return { ...doc, relations: doc.relations.map((r, i) => (i === position ? { ...r, label } : r)) };
}

/** @param {Doc} doc @param {string} name @param {string[]} values @returns {Doc} */
export function setChoices(doc, name, values) {
  const choices = { ...doc.choices };
  if (values.length) choices[name] = values;
  else delete choices[name];
  return { ...doc, choices };
}

/**
 * For each word of a page, the index (in `doc.regions`) of the region holding it, or -1.
 * @param {Doc} doc @param {number} page @param {number} wordCount @returns {Int32Array}
 */
export function wordOwners(doc, page, wordCount) {
  const owners = new Int32Array(wordCount).fill(-1);
  doc.regions.forEach((region, position) => {
    if (region.page !== page) return;
    for (const t of region.tokens) if (t < wordCount) owners[t] = position;
  });
  return owners;
}

/**
 * The words from `anchor` to `target` in reading order (both included).
 * @param {number} anchor @param {number} target @returns {number[]}
 */
export function readingRange(anchor, target) {
  const lo = Math.min(anchor, target);
  const hi = Math.max(anchor, target);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/**
 * What is saved: the document with only the fields the API takes.
 * @param {Doc} doc
 */
export function docForSave(doc) {
  return {
    regions: doc.regions.map((r) => {
      /** @type {Record<string, unknown>} */
      const out = { id: r.id, page: r.page, label: r.label, tokens: r.tokens, text: r.text, origin: r.origin };
      if (r.bbox) out.bbox = r.bbox;
      if (r.score !== undefined && r.score !== null) out.score = r.score;
      return out;
    }),
    relations: doc.relations,
    choices: doc.choices,
  };
}
