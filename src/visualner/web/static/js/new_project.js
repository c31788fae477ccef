// @ts-check
/**
 * The new-project page: pick a template, adjust its XML with live validation, create.
 * Create stays disabled until there is a title and the config is valid.
 */
import { api } from "./api.js";
import { attachConfigEditor } from "./config_editor.js";
import { el } from "./dom.js";

/** @typedef {{key: string, title: string, description: string, label_config: string}} Template */

const DEFAULT_TEMPLATE = "visual_ner";

const form = /** @type {HTMLFormElement} */ (document.querySelector('[data-testid="new-project-form"]'));
const title = /** @type {HTMLInputElement} */ (form.elements.namedItem("title"));
const description = /** @type {HTMLInputElement} */ (form.elements.namedItem("description"));
const createButton = /** @type {HTMLButtonElement} */ (form.querySelector('[data-testid="create-project"]'));
const templateList = /** @type {HTMLElement} */ (form.querySelector('[data-testid="template-list"]'));
const editorRoot = /** @type {HTMLElement} */ (form.querySelector("[data-config-editor]"));

let submitting = false;
const editor = attachConfigEditor(editorRoot, { onValidity: updateCreateButton });

function updateCreateButton() {
  createButton.disabled = submitting || !title.value.trim() || !editor.isValid();
}

/** @param {HTMLElement} selected */
function markSelected(selected) {
  for (const card of templateList.querySelectorAll(".template-card")) {
    const isSelected = card === selected;
    card.classList.toggle("selected", isSelected);
    card.setAttribute("aria-checked", String(isSelected));
  }
}

/** @param {Template} template */
function templateCard(template) {
  const card = el(
    "button",
    {
      className: "template-card",
      testid: "template-card",
      dataset: { template: template.key },
      attrs: { type: "button", role: "radio", "aria-checked": "false" },
    },
    [
      el("span", { className: "template-title", text: template.title }),
      el("span", { className: "template-description", text: template.description }),
    ],
  );
  card.addEventListener("click", () => {
    markSelected(card);
    editor.setValue(template.label_config);
  });
  return card;
}

async function loadTemplates() {
  /** @type {Template[]} */
  const templates = await api("/api/templates");
  const cards = templates.map(templateCard);
  templateList.replaceChildren(...cards);
  const initial = cards.find((card) => card.dataset.template === DEFAULT_TEMPLATE) || cards[0];
  if (initial) initial.click();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (createButton.disabled) return;
  submitting = true;
  updateCreateButton();
  try {
    const project = await api("/api/projects", {
      method: "POST",
      body: {
        title: title.value.trim(),
        description: description.value.trim(),
        label_config: editor.value(),
      },
    });
    window.location.assign(`/projects/${project.id}`);
  } catch {
    submitting = false;
    updateCreateButton();
  }
});
title.addEventListener("input", updateCreateButton);
loadTemplates().catch(() => {
  templateList.replaceChildren(el("p", { className: "form-error", text: "Templates could not be loaded." }));
});
