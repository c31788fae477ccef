// @ts-check
/**
 * The Settings tab's Team form: whether annotators see only their assigned tasks, and how
 * many annotators label each task (the overlap); saved as project settings.
 */
import { api } from "./api.js";
import { showToast } from "./toast.js";

const header = /** @type {HTMLElement} */ (document.querySelector("[data-project-id]"));
const form = /** @type {HTMLFormElement | null} */ (document.querySelector("[data-settings-team]"));

if (form && header.dataset.canManage === "true") {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const seen = /** @type {HTMLSelectElement} */ (form.elements.namedItem("annotators_see_assigned_only"));
    const overlap = /** @type {HTMLInputElement} */ (form.elements.namedItem("annotations_per_task"));
    const choices = { auto: null, true: true, false: false };
    await api(`/api/projects/${header.dataset.projectId}`, {
      method: "PATCH",
      body: {
        settings: {
          annotators_see_assigned_only: choices[/** @type {"auto" | "true" | "false"} */ (seen.value)],
          annotations_per_task: Number(overlap.value),
        },
      },
    });
    showToast("Team settings saved.", "success");
  });
}
