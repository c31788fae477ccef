// @ts-check
/**
 * The task list's "Assign…" bulk action (managers): choose annotators and a reviewer for the
 * selection, or spread the selection's unassigned tasks evenly over the chosen annotators;
 * one call to `POST /api/projects/{id}/assignments`.
 */
import { api } from "./api.js";
import { registerBulkAction } from "./bulk_actions.js";
import { askInDialog } from "./bulk_dialog.js";
import { el } from "./dom.js";

/** @typedef {{username: string, role: string}} Member */

/**
 * The dialog; resolves with the request body's people part, or null when cancelled.
 * @param {Member[]} members @param {number} count
 * @returns {Promise<{annotators: string[], reviewer?: string | null, distribute: boolean} | null>}
 */
function askPeople(members, count) {
  const boxes = members.map((member) => ({
    member,
    box: el("input", { testid: "assign-annotator", attrs: { type: "checkbox", value: member.username } }),
  }));
  const reviewer = el("select", { testid: "assign-reviewer", attrs: { id: "assign-reviewer" } }, [
    el("option", { text: "(keep as is)", attrs: { value: "" } }),
    el("option", { text: "(none)", attrs: { value: "-" } }),
    ...members
      .filter((m) => m.role !== "annotator")
      .map((m) => el("option", { text: m.username, attrs: { value: m.username } })),
  ]);
  const distribute = el("input", { testid: "assign-distribute", attrs: { type: "checkbox" } });
  return askInDialog({
    title: "Assign tasks",
    testid: "assign-dialog",
    confirm: "Assign",
    focus: boxes[0]?.box,
    fields: [
      el("p", { text: `Annotators for ${count.toLocaleString()} task${count === 1 ? "" : "s"}:` }),
      el(
        "div",
        { className: "assign-people" },
        boxes.map(({ member, box }) => el("label", { className: "check" }, [box, ` ${member.username} (${member.role})`])),
      ),
      el("label", { className: "check" }, [distribute, " Spread only the unassigned ones evenly among them"]),
      el("label", { className: "label-text", text: "Reviewer", attrs: { for: "assign-reviewer" } }),
      reviewer,
    ],
    answer: () => {
      /** @type {{annotators: string[], reviewer?: string | null, distribute: boolean}} */
      const people = {
        annotators: boxes.filter(({ box }) => box.checked).map(({ member }) => member.username),
        distribute: distribute.checked,
      };
      if (reviewer.value) people.reviewer = reviewer.value === "-" ? null : reviewer.value;
      return people;
    },
  });
}

registerBulkAction({
  id: "assign",
  label: "Assign…",
  roles: ["manager"],
  async run(selection, context) {
    /** @type {Member[]} */
    const members = await api(`/api/projects/${context.projectId}/members`);
    const people = await askPeople(members, context.count);
    if (people === null) return;
    /** @type {{tasks: number, annotators: Record<string, number>}} */
    const result = await api(`/api/projects/${context.projectId}/assignments`, {
      method: "POST",
      body: { ...selection, ...people },
    });
    const shares = Object.entries(result.annotators).map(([name, n]) => `${name} ${n}`);
    context.done(`Assigned ${result.tasks} task${result.tasks === 1 ? "" : "s"}${shares.length ? `: ${shares.join(", ")}` : ""}.`);
  },
});
