// @ts-check
/**
 * The Settings tab: title/description, the labeling config (same live editor as the
 * new-project page), and deleting the project after typing its title.
 */
import { ApiError, api } from "./api.js";
import { attachConfigEditor } from "./config_editor.js";
import { byRole } from "./dom.js";
import { attachLabelUsage } from "./label_usage_panel.js";
import { showToast } from "./toast.js";

const header = /** @type {HTMLElement} */ (document.querySelector("[data-project-id]"));
const projectUrl = `/api/projects/${header.dataset.projectId}`;
const canManage = header.dataset.canManage === "true";

const general = /** @type {HTMLFormElement} */ (document.querySelector("[data-settings-general]"));
const configForm = /** @type {HTMLFormElement} */ (document.querySelector("[data-settings-config]"));
const saveConfig = /** @type {HTMLButtonElement | null} */ (
  configForm.querySelector('[data-testid="settings-config-save"]')
);
const usageRoot = /** @type {HTMLElement | null} */ (configForm.querySelector("[data-label-usage]"));
let configValid = false;
function updateSaveConfig() {
  if (saveConfig) saveConfig.disabled = !configValid || Boolean(usage && !usage.ready());
}
const usage = usageRoot
  ? attachLabelUsage(usageRoot, { usageUrl: `${projectUrl}/label-usage`, onChange: updateSaveConfig })
  : null;
const editor = attachConfigEditor(
  /** @type {HTMLElement} */ (configForm.querySelector("[data-config-editor]")),
  {
    onValidity: (valid) => {
      configValid = valid;
      updateSaveConfig();
    },
    onParsed: (parsed) => usage?.setParsed(parsed),
  },
);
usage?.refresh();

general.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!canManage) return;
  const title = /** @type {HTMLInputElement} */ (general.elements.namedItem("title"));
  const description = /** @type {HTMLInputElement} */ (general.elements.namedItem("description"));
  if (!title.value.trim()) {
    showToast("The title cannot be empty.", "error");
    title.focus();
    return;
  }
  const project = await api(projectUrl, {
    method: "PATCH",
    body: { title: title.value.trim(), description: description.value.trim() },
  });
  document.querySelector('[data-testid="project-heading"]')?.replaceChildren(project.title);
  showToast("Settings saved.", "success");
});

configForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!canManage || !editor.isValid() || (usage && !usage.ready())) return;
  const body = { label_config: editor.value(), label_changes: usage ? usage.changes() : undefined };
  try {
    await api(projectUrl, { method: "PATCH", body, quiet: true });
  } catch (error) {
    showToast(error instanceof Error ? error.message : String(error), "error");
    // Someone labelled with a dropped label meanwhile: show the fresh counts to choose again.
    if (error instanceof ApiError && error.payload?.code === "labels_in_use") await usage?.refresh();
    return;
  }
  await usage?.refresh();
  showToast("Labeling config saved.", "success");
});

const dangerZone = document.querySelector("[data-delete-project]");
if (dangerZone instanceof HTMLElement) {
  const confirmBox = byRole(dangerZone, "confirm");
  const typed = /** @type {HTMLInputElement} */ (byRole(dangerZone, "typed"));
  const deleteButton = /** @type {HTMLButtonElement} */ (byRole(dangerZone, "delete"));
  const start = byRole(dangerZone, "start");
  const expected = dangerZone.dataset.projectTitle || "";
  start.addEventListener("click", () => {
    confirmBox.hidden = false;
    start.hidden = true;
    typed.focus();
  });
  byRole(dangerZone, "cancel").addEventListener("click", () => {
    confirmBox.hidden = true;
    start.hidden = false;
    typed.value = "";
    deleteButton.disabled = true;
  });
  typed.addEventListener("input", () => {
    deleteButton.disabled = typed.value.trim() !== expected.trim();
  });
  deleteButton.addEventListener("click", async () => {
    deleteButton.disabled = true;
    try {
      await api(projectUrl, { method: "DELETE" });
    } catch {
      deleteButton.disabled = false;
      return;
    }
    window.location.assign("/");
  });
}
