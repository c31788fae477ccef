// @ts-check
/**
 * Admin page: the registry of OCR servers with their last checked health (checked at
 * registration, in the background, and on "Check now").
 */
import { api } from "./api.js";
import { byRole, el, formatDate } from "./dom.js";
import { showToast } from "./toast.js";

const root = /** @type {HTMLElement} */ (document.querySelector("[data-ocr-servers]"));
const rows = byRole(root, "rows");

/**
 * @typedef {{id: number, name: string, url: string, health: string, is_builtin: boolean,
 *   is_default: boolean, engine: string, can_preannotate: boolean, checked_at: string | null,
 *   error: string | null}} OcrServer
 */

/** @param {OcrServer} server */
function healthText(server) {
  if (server.health === "ok") return " up";
  if (server.health === "down") return ` down: ${server.error || ""}`;
  return " not checked yet";
}

async function load() {
  /** @type {OcrServer[]} */
  const servers = await api("/api/ocr-servers");
  rows.replaceChildren(
    ...servers.map((server) => {
      const actions = el("td", { className: "actions" });
      if (!server.is_default) {
        const makeDefault = el("button", { className: "btn btn-sm", text: "Make default",
          attrs: { type: "button" } });
        makeDefault.addEventListener("click", async () => {
          await api(`/api/ocr-servers/${server.id}/default`, { method: "POST" });
          await load();
        });
        actions.append(makeDefault);
      }
      if (!server.is_builtin) {
        const remove = el("button", { className: "btn btn-sm btn-danger", text: "Remove",
          attrs: { type: "button" }, testid: `remove-${server.name}` });
        remove.addEventListener("click", async () => {
          if (!window.confirm(`Remove the OCR server ${server.name}?`)) return;
          await api(`/api/ocr-servers/${server.id}`, { method: "DELETE" });
          await load();
        });
        actions.append(remove);
      }
      return el("tr", { testid: `ocr-server-${server.name}` }, [
        el("td", { text: server.name }),
        el("td", { className: "muted", text: server.url }),
        el("td", { attrs: { title: `checked ${formatDate(server.checked_at)}` } }, [
          el("span", { className: `health-dot ${server.health}` }),
          el("span", { testid: "ocr-server-health", text: healthText(server) }),
        ]),
        el("td", { text: server.engine }),
        el("td", {
          testid: "ocr-server-preannotate",
          text: server.can_preannotate ? "✓" : "no (start it with --app-url and --app-token)",
        }),
        el("td", { text: server.is_default ? "✓" : "" }),
        actions,
      ]);
    }),
  );
}

const form = /** @type {HTMLFormElement} */ (byRole(root, "create-form"));
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  let added;
  try {
    added = await api("/api/ocr-servers", {
      method: "POST",
      body: { name: data.get("name"), url: data.get("url"), is_default: data.get("is_default") === "on" },
    });
  } catch {
    return;
  }
  form.reset();
  if (added.warning) showToast(added.warning, "error");
  else showToast("OCR server added", "success");
  await load();
});

byRole(root, "check-now").addEventListener("click", async () => {
  try {
    await api("/api/ocr-servers/check", { method: "POST" });
  } catch {
    return;
  }
  await load();
});

load();
