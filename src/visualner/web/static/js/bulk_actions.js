// @ts-check
/**
 * The task list's bulk actions: a registry the selection bar renders, one entry per action.
 * A selection is `{task_ids: [...]}` or `{query: "..."}` (every task matching the query), the
 * body every bulk endpoint takes. Other features add their action with `registerBulkAction`
 * (the team workflow's "Assign…" is one call).
 */

/**
 * @typedef {{task_ids: number[]} | {query: string}} Selection
 * @typedef {{
 *   projectId: number,
 *   role: string,
 *   count: number,
 *   done: (message: string) => void,
 * }} BulkContext
 * @typedef {{
 *   id: string,
 *   label: string,
 *   roles: string[],
 *   danger?: boolean,
 *   run: (selection: Selection, context: BulkContext) => Promise<void>,
 * }} BulkAction
 */

/** @type {BulkAction[]} */
const actions = [];

/** @param {BulkAction} action */
export function registerBulkAction(action) {
  const existing = actions.findIndex((a) => a.id === action.id);
  if (existing >= 0) actions.splice(existing, 1, action);
  else actions.push(action);
}

/** @param {string} role @returns {BulkAction[]} the actions this role may run, in order */
export function bulkActionsFor(role) {
  return actions.filter((action) => action.roles.includes(role));
}
