// @ts-check
/** Admin page: the registry of OCR servers with live health. */
import { api } from "./api.js";
import { byRole, el } from "./dom.js";
import { showToast } from "./toast.js";

const root = /** @type {HTMLElement} */ (document.querySelector("[data-ocr-servers]"));
const rows = byRole(root, "rows");

async function load() {
  /** @type {{id: number, name: string, url: string, health: string, is_builtin: boolean,
   *   is_default: boolean, info: {engine?: string, version?: string} | null, error: string | null}[]} */
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
      const engine = server.info ? `${server.info.engine || ""} ${server.info.version || ""}` : "";
      return el("tr", { testid: `ocr-server-${server.name}` }, [
        el("td", { text: server.name }),
        el("td", { className: "muted", text: server.url }),
        el("td", {}, [
          el("span", { className: `health-dot ${server.health}` }),
          el("span", { text: server.health === "ok" ? " up" : ` down: ${server.error || ""}` }),
        ]),
        el("td", { text: engine.trim() }),
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
  await api("/api/ocr-servers", {
    method: "POST",
    body: { name: data.get("name"), url: data.get("url"), is_default: data.get("is_default") === "on" },
  });
  form.reset();
  showToast("OCR server added");
  await load();
});

load();
