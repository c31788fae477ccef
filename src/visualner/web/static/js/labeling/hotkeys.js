// @ts-check
/**
 * Keyboard shortcuts. The project's label and choice hotkeys come first: when one clashes
 * with a page key (say a label on "r"), the label wins and the help overlay leaves the page
 * key out. Keys typed into a text field are the field's, except Escape and Ctrl+Enter/S.
 */

/**
 * @typedef {{combo: string, keys: string, description: string, run: (event: KeyboardEvent) => void}} Binding
 */

const NAMED_KEYS = new Set(["pageup", "pagedown", "delete", "backspace", "escape", "enter", "arrowleft", "arrowright"]);

/**
 * The combo of a key event, in the config's notation: "ctrl+shift+z", "q", "?", "pagedown".
 * Shift is part of the combo for letters, digits and named keys; for punctuation it is
 * already in the character ("?" is Shift+/).
 * @param {KeyboardEvent} event
 */
export function comboOf(event) {
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key.toLowerCase();
  const alphanumeric = /^[a-z0-9]$/.test(key) || NAMED_KEYS.has(key);
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("ctrl");
  if (event.altKey) parts.push("alt");
  if (event.shiftKey && alphanumeric) parts.push("shift");
  parts.push(key === " " ? "space" : key);
  return parts.join("+");
}

/** @param {EventTarget | null} target */
function isTyping(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !["checkbox", "radio", "button"].includes(target.type);
}

const ALWAYS = new Set(["escape", "ctrl+enter", "ctrl+s"]);

export function createKeymap() {
  /** @type {Map<string, Binding>} */
  const bindings = new Map();
  /** @type {Binding[]} */
  const listed = [];
  return {
    /**
     * Bind `combos` unless another binding has them (first come, first served).
     * @param {string[]} combos @param {string} description @param {(event: KeyboardEvent) => void} run
     * @param {string} [keys] how the help overlay writes the keys
     */
    bind(combos, description, run, keys) {
      const free = combos.filter((c) => !bindings.has(c));
      if (!free.length) return;
      const binding = { combo: free[0], keys: keys || free.join(" / "), description, run };
      for (const combo of free) bindings.set(combo, binding);
      listed.push(binding);
    },
    /**
     * List a gesture in the help overlay without binding a key (Space+drag, Shift+click).
     * @param {string} keys @param {string} description
     */
    note(keys, description) {
      listed.push({ combo: "", keys, description, run: () => {} });
    },
    /** @returns {Binding[]} in the order they were bound */
    list() {
      return listed;
    },
    /** @param {KeyboardEvent} event @returns {boolean} whether a binding handled it */
    handle(event) {
      if (event.isComposing || event.repeat) return false;
      const combo = comboOf(event);
      const typing = isTyping(event.target);
      if (typing && !ALWAYS.has(combo)) return false;
      if (typing && combo === "escape" && event.target instanceof HTMLElement) event.target.blur();
      const binding = bindings.get(combo);
      if (!binding) return false;
      event.preventDefault();
      binding.run(event);
      return true;
    },
  };
}

/** @typedef {ReturnType<typeof createKeymap>} Keymap */
