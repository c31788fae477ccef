// @ts-check
/**
 * The labeling-config editor: validates the XML as the user types (debounced, latest answer
 * wins), shows the server's exact error, and previews the labels. Pages learn whether the
 * config can be saved through `onValidity`.
 */
import { api } from "./api.js";
import { byRole } from "./dom.js";
import { renderConfigPreview } from "./config_preview.js";

const DEBOUNCE_MS = 300;

/**
 * @typedef {{
 *   value: () => string,
 *   setValue: (xml: string) => void,
 *   isValid: () => boolean,
 * }} ConfigEditor
 */

/**
 * @param {HTMLElement} root the element with `data-config-editor`
 * @param {{
 *   onValidity?: (valid: boolean) => void,
 *   onParsed?: (parsed: import("./config_preview.js").ParsedConfig) => void,
 * }} [options] onParsed: the parsed config each time the XML is found valid
 * @returns {ConfigEditor}
 */
export function attachConfigEditor(root, { onValidity = () => {}, onParsed = () => {} } = {}) {
  const source = /** @type {HTMLTextAreaElement} */ (byRole(root, "source"));
  const status = byRole(root, "status");
  const errorBox = byRole(root, "error");
  const preview = byRole(root, "preview");
  let valid = false;
  let sequence = 0;
  /** @type {number | undefined} */
  let timer;

  /** @param {"checking" | "valid" | "invalid"} state @param {string} text */
  function setStatus(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  /** @param {boolean} next */
  function setValid(next) {
    valid = next;
    root.classList.toggle("is-invalid", !next);
    onValidity(next);
  }

  async function validate() {
    const mine = ++sequence;
    const xml = source.value;
    if (!xml.trim()) {
      showError("The labeling config is empty; pick a template or paste XML.");
      return;
    }
    let result;
    try {
      result = await api("/api/label-config/validate", {
        method: "POST",
        body: { label_config: xml },
        quiet: true,
      });
    } catch (error) {
      if (mine === sequence) showError(error instanceof Error ? error.message : String(error));
      return;
    }
    if (mine !== sequence) return;
    if (result.valid) {
      errorBox.hidden = true;
      errorBox.textContent = "";
      setStatus("valid", "Valid");
      renderConfigPreview(preview, result.parsed);
      preview.classList.remove("is-stale");
      onParsed(result.parsed);
      setValid(true);
    } else {
      showError(result.error || "The labeling config is not valid.");
    }
  }

  /** @param {string} message */
  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    setStatus("invalid", "Invalid");
    preview.classList.add("is-stale");
    setValid(false);
  }

  function schedule() {
    setStatus("checking", "Checking…");
    setValid(false);
    window.clearTimeout(timer);
    timer = window.setTimeout(validate, DEBOUNCE_MS);
  }

  source.addEventListener("input", schedule);
  if (source.value.trim()) validate();

  return {
    value: () => source.value,
    setValue(xml) {
      source.value = xml;
      window.clearTimeout(timer);
      setStatus("checking", "Checking…");
      setValid(false);
      validate();
    },
    isValid: () => valid,
  };
}
