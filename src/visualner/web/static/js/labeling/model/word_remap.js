// @ts-check
/**
 * After a region of a page is read again its words change: `wordMap[i]` is the new index of
 * the page's old word `i`, or null when the re-read replaced it. Regions follow as pure
 * functions of the document (as in regions.js): kept words map over, and a region that lost
 * words takes the new words whose centres lie in its box, so a label is never left pointing
 * at another word.
 */
import { center, roundBox, unionBox } from "./geometry.js";

/** @typedef {import("./geometry.js").Box} Box */
/** @typedef {import("./regions.js").Word} Word */
/** @typedef {import("./regions.js").Region} Region */
/** @typedef {import("./regions.js").Doc} Doc */

/** @param {Box} box @param {Box} outer */
function centreInside(box, outer) {
  const { x, y } = center(box);
  return x >= outer[0] && x <= outer[2] && y >= outer[1] && y <= outer[3];
}

/**
 * Indices of `words` that no old word maps to (the re-read ones) whose centre is in `box`.
 * @param {Word[]} words @param {Set<number>} fresh @param {Box} box
 */
export function freshWordsIn(words, fresh, box) {
  return [...fresh].filter((i) => centreInside(words[i].bbox, box)).sort((a, b) => a - b);
}

/**
 * The region with new tokens: its text and box follow its words (a region without words
 * keeps its box and text).
 * @param {Region} region @param {number[]} tokens @param {Word[]} words @returns {Region}
 */
function withTokens(region, tokens, words) {
  if (!tokens.length) return { ...region, tokens: [] };
  return {
    ...region,
    tokens,
    text: tokens.map((t) => words[t].text).join(" "),
    bbox: roundBox(/** @type {Box} */ (unionBox(tokens.map((t) => words[t].bbox)))),
  };
}

/**
 * The document after page `page` was re-read. `readBoxId`: the region whose box was re-read;
 * a free box keeps its box and takes the text of the words found in it.
 * @param {Doc} doc @param {number} page @param {(number | null)[]} wordMap @param {Word[]} words
 * @param {string | null} readBoxId
 * @returns {Doc}
 */
export function remapPageTokens(doc, page, wordMap, words, readBoxId) {
  const fresh = new Set(words.keys());
  for (const index of wordMap) if (index !== null) fresh.delete(index);
  const regions = doc.regions.map((region) => {
    if (region.page !== page) return region;
    if (!region.tokens.length) {
      if (region.id !== readBoxId || !region.bbox) return region;
      return { ...region, text: freshWordsIn(words, fresh, region.bbox).map((i) => words[i].text).join(" ") };
    }
    const kept = region.tokens.map((t) => wordMap[t]).filter((t) => t !== null && t !== undefined);
    const lost = kept.length < region.tokens.length;
    const added = lost && region.bbox ? freshWordsIn(words, fresh, region.bbox) : [];
    const tokens = [.../** @type {number[]} */ (kept), ...added].sort((a, b) => a - b);
    return withTokens(region, [...new Set(tokens)], words);
  });
  return { ...doc, regions };
}
