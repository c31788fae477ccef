// @ts-check
/**
 * A task's tags on its page: chips (each a link to the task list filtered by it) and, for
 * managers and reviewers, a field to add one and a × to remove one, through the same bulk
 * endpoint as the task list (`POST /api/projects/{id}/tasks/tags` with this task's id).
 */
import { api } from "./api.js";
import { el } from "./dom.js";

const root = /** @type {HTMLElement | null} */ (document.querySelector("[data-task-tags]"));

if (root) {
  const taskId = Number(root.dataset.taskId);
  const projectId = Number(root.dataset.projectId);
  const canTag = root.dataset.canTag === "true";
  /** @type {string[]} */
  let tags = JSON.parse(root.dataset.tags || "[]");

  /** @param {{add?: string[], remove?: string[]}} change */
  const save = async (change) => {
    await api(`/api/projects/${projectId}/tasks/tags`, {
      method: "POST",
      body: { task_ids: [taskId], ...change },
    });
  };

  const render = () => {
    const chips = tags.map((tag) => {
      const link = el("a", {
        className: "tag-chip",
        text: tag,
        testid: "task-page-tag",
        attrs: { href: `/projects/${projectId}?tag=${encodeURIComponent(tag)}` },
      });
      if (!canTag) return link;
      const remove = el("button", {
        className: "tag-remove",
        text: "×",
        testid: "task-page-tag-remove",
        attrs: { type: "button", "aria-label": `Remove tag ${tag}` },
      });
      remove.addEventListener("click", async () => {
        await save({ remove: [tag] });
        tags = tags.filter((t) => t !== tag);
        render();
      });
      return el("span", { className: "tag-chip-wrap" }, [link, remove]);
    });
    root.replaceChildren(...chips);
    if (!canTag) return;
    const input = el("input", {
      className: "tag-input",
      testid: "task-page-tag-input",
      attrs: { type: "text", placeholder: "Add a tag", "aria-label": "Add a tag", maxlength: "100" },
    });
    const form = el("form", { className: "tag-form" }, [input]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const tag = input.value.trim();
      if (!tag) return;
      await save({ add: [tag] });
      if (!tags.some((t) => t.toLowerCase() === tag.toLowerCase())) tags = [...tags, tag];
      render();
      const next = /** @type {HTMLInputElement | null} */ (root.querySelector(".tag-input"));
      next?.focus();
    });
    root.append(form);
  };
  render();
}
