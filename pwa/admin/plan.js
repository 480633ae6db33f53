// Staff: the plan as a workbook (download, upload, preview, confirm) and the successors of
// prioritised districts that a re-districting retired.

import { h } from "../shared/dom.js";
import { api, download } from "./api.js";
import { errorLine, field, isoToday, showError } from "./dom.js";

const reload = () => window.dispatchEvent(new HashChangeEvent("hashchange"));

export async function planPage() {
  return h("div", {}, h("h1", {}, "Planen"),
    h("section", { "aria-labelledby": "h-workbook" }, h("h2", { id: "h-workbook" }, "Planen som arbetsbok"), workbookBox()),
    h("section", { "aria-labelledby": "h-successors" }, h("h2", { id: "h-successors" }, "Ersättare för avvecklade valdistrikt"), await successorsBox()));
}

function problemList(problems) {
  return h("ul", { class: "problems", id: "workbook-problems" }, problems.map((p) =>
    h("li", {}, [`Blad ${p.sheet}`, p.row ? `rad ${p.row}` : "", p.column ? `kolumn ${p.column}` : ""].filter(Boolean).join(", "), ": ", p.message)));
}

function workbookBox() {
  const file = h("input", { type: "file", name: "workbook", accept: ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  const error = errorLine();
  const result = h("div", { "aria-live": "polite", id: "workbook-preview" });
  const form = h("form", { class: "card" },
    h("p", {}, "Ladda ner planen, ändra i Excel eller LibreOffice och läs in filen här. Du ser alla ändringar innan något sparas."),
    h("p", {}, h("button", { type: "button", on: { click: () => download("/plan/workbook", `knacka-plan-${isoToday()}.xlsx`).catch((err) => showError(error, err)) } }, "Ladda ner planen (.xlsx)")),
    field("Ändrad arbetsbok", file, "Hela filen kontrolleras först. Ett enda fel gör att inget ändras."), error,
    h("button", { type: "submit", class: "primary" }, "Förhandsgranska ändringarna"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.replaceChildren();
    const chosen = file.files && file.files[0];
    if (!chosen) return showError(error, new Error("Välj en arbetsbok (.xlsx)."));
    try {
      const preview = await api("/plan/workbook/preview", { method: "POST", file: chosen });
      showError(error, null);
      result.replaceChildren(previewView(chosen, preview, error, result));
    } catch (err) {
      showError(error, err);
      if (err.code === "workbook_refused" && Array.isArray(err.detail)) result.replaceChildren(problemList(err.detail));
    }
  });
  return h("div", {}, form, result);
}

function previewView(chosen, preview, error, result) {
  if (!preview.changes.length) return h("p", { role: "status" }, "Inga ändringar: planen i filen är densamma som den sparade.");
  const done = h("p", { role: "status" });
  const confirm = h("button", { type: "button", class: "primary", on: { click: async () => {
    confirm.disabled = true;
    try {
      const applied = await api(`/plan/workbook/apply?digest=${preview.digest}`, { method: "POST", file: chosen });
      showError(error, null);
      result.replaceChildren(h("p", { role: "status", id: "workbook-applied" }, `Sparat: ${applied.applied} ändringar.`));
    } catch (err) {
      confirm.disabled = false;
      showError(error, err);
      if (err.code === "workbook_refused" && Array.isArray(err.detail)) result.replaceChildren(problemList(err.detail));
    }
  } } }, `Spara ${preview.changes.length} ändringar`);
  return h("div", { class: "card" },
    h("h3", {}, `${preview.changes.length} ändringar i filen`),
    h("ul", { id: "workbook-changes" }, preview.changes.map((c) => h("li", { "data-kind": c.kind }, c.description))),
    done, confirm);
}

async function successorsBox() {
  const pending = await api("/districts/successors");
  if (!pending.length) return h("p", {}, "Inga avvecklade prioriterade valdistrikt väntar på ersättare.");
  const aks = Object.fromEntries((await api("/aks")).map((a) => [a.slug, a.name]));
  return h("div", {},
    h("p", {}, "Efter en ny distriktsindelning: välj det eller de nya distrikt som tar över. Ersättarna blir prioriterade och tar över uppdragen. Gamla år räknas kvar på det gamla distriktet."),
    h("ul", { class: "plain", id: "successor-list" }, await Promise.all(pending.map(async (p) => {
      const all = await api(`/districts?ak=${p.district.ak}`);
      const suggested = new Set(p.suggestions.map((s) => s.district.id));
      const shares = Object.fromEntries(p.suggestions.map((s) => [s.district.id, s.share]));
      const others = all.filter((d) => !suggested.has(d.id));
      const checkbox = (d, checked) => {
        const id = `succ-${p.district.id}-${d.id}`;
        const share = shares[d.id] !== undefined ? ` (${Math.round(shares[d.id] * 100)} % av ytan)` : "";
        return h("div", { class: "check" }, h("input", { type: "checkbox", id, value: d.id, checked }),
          h("label", { for: id }, `${d.code} ${d.name}${share}`));
      };
      const top = p.suggestions[0] && p.suggestions[0].district.id;
      const boxes = h("fieldset", {}, h("legend", {}, `Ersättare för ${p.district.code} ${p.district.plan_name || p.district.name}`),
        p.suggestions.length ? p.suggestions.map((s) => checkbox(s.district, s.district.id === top)) : h("p", {}, "Ingen överlappande karta: välj bland alla distrikt."),
        others.length ? h("details", {}, h("summary", {}, "Andra distrikt i arbetarekommunen"), others.map((d) => checkbox(d, false))) : "");
      const error = errorLine();
      const button = h("button", { type: "button", class: "primary", on: { click: async () => {
        const ids = [...boxes.querySelectorAll("input:checked")].map((i) => Number(i.value));
        if (!ids.length) return showError(error, new Error("Välj minst en ersättare."));
        try {
          await api(`/districts/${p.district.id}/successors`, { method: "POST", body: { successor_ids: ids } });
          reload();
        } catch (err) { showError(error, err); }
      } } }, `Bekräfta ersättare för ${p.district.name}`);
      return h("li", { class: "card", "data-id": p.district.id }, h("p", {}, `${aks[p.district.ak] || p.district.ak}: ${p.district.code} ${p.district.name} är avvecklat.`), boxes, error, button);
    }))));
}
