// @ts-check
/**
 * Building DOM nodes from data without innerHTML: every string becomes a text node, so a
 * project called `<script>` is shown, never run.
 */

/**
 * @typedef {{
 *   className?: string,
 *   text?: string,
 *   testid?: string,
 *   attrs?: Record<string, string>,
 *   dataset?: Record<string, string>,
 * }} ElementProps
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {ElementProps} [props]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.testid) node.dataset.testid = props.testid;
  for (const [name, value] of Object.entries(props.attrs || {})) node.setAttribute(name, value);
  Object.assign(node.dataset, props.dataset || {});
  node.append(...children);
  return node;
}

/**
 * @param {ParentNode} root
 * @param {string} role the element's data-role
 * @returns {HTMLElement}
 */
export function byRole(root, role) {
  const found = root.querySelector(`[data-role="${role}"]`);
  if (!(found instanceof HTMLElement)) throw new Error(`missing [data-role="${role}"]`);
  return found;
}

/**
 * A table row with one cell per entry.
 * @param {(Node | string)[]} cells
 * @param {string} [testid]
 */
export function row(cells, testid) {
  return el(
    "tr",
    { testid },
    cells.map((cell) => el("td", {}, [cell])),
  );
}

/**
 * Fills a table body with one row per item, or with one muted row saying there is none.
 * @template T
 * @param {HTMLElement} body
 * @param {T[]} items
 * @param {(item: T) => HTMLElement} toRow
 * @param {string} emptyText
 */
export function fillRows(body, items, toRow, emptyText) {
  const empty = () => row([el("span", { className: "muted", text: emptyText })]);
  body.replaceChildren(...(items.length ? items.map((item) => toRow(item)) : [empty()]));
}

/** @param {string | null | undefined} iso @returns {string} */
export function formatDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * A small red text button that asks `question` and runs `action` only when the user confirms:
 * the one shape of every "Revoke" / "Remove" control in a list row.
 * @param {{text: string, testid: string, question: string, action: () => Promise<void>}} spec
 */
export function confirmedActionButton({ text, testid, question, action }) {
  const button = el("button", {
    className: "btn btn-sm btn-ghost btn-danger-text",
    testid,
    text,
    attrs: { type: "button" },
  });
  button.addEventListener("click", async () => {
    if (window.confirm(question)) await action();
  });
  return button;
}
