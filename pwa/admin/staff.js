// District staff: the live dashboard, goals, districts, organisers, the audit log, the report.

import { h } from "../shared/dom.js";
import { fmt, pct } from "../shared/format.js";
import { api, download } from "./api.js";
import { countBars, goalBars, weekBars } from "./charts.js";
import { districtMap } from "./district-map.js";
import { dateText, errorLine, field, showError } from "./dom.js";
import { param } from "./hash.js";

const thisYear = new Date().getFullYear();

function yearPicker(year, hash) {
  const select = h("select", { name: "year" });
  for (let y = thisYear + 1; y >= 2024; y--) select.append(h("option", { value: y, selected: y === year }, y));
  select.addEventListener("change", () => { location.hash = `${hash}?year=${select.value}`; });
  return field("År", select);
}

const yearOf = () => Number(param("year")) || thisYear;

// --- The live dashboard -------------------------------------------------------------------

function totalsTable(totals, pace) {
  const paceByAk = Object.fromEntries((pace?.aks || []).map((a) => [a.ak, a]));
  const status = (row) => (row ? (row.conversations_on_track ? "I takt" : "Efter takt") : "–");
  return h("table", { class: "figures", id: "ak-table" },
    h("caption", {}, `Samtal och nya medlemmar ${totals.year}`),
    h("thead", {}, h("tr", {},
      ["Arbetarekommun", "Samtal", "Mål (Bilaga 1)", "Andel", "Takt", "Dörrar", "Nya medlemmar", "Medlemsmål (Bilaga 2)", "Registret netto"]
        .map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, totals.aks.map((a) => h("tr", { "data-ak": a.ak },
      h("th", { scope: "row" }, a.name),
      h("td", { class: "num", "data-field": "conversations" }, fmt(a.conversations)),
      h("td", { class: "num" }, fmt(a.conversation_goal)),
      h("td", { class: "num" }, pct(a.conversations, a.conversation_goal)),
      h("td", {}, status(paceByAk[a.ak])),
      h("td", { class: "num" }, fmt(a.doors)),
      h("td", { class: "num", "data-field": "members" }, fmt(a.members)),
      h("td", { class: "num" }, fmt(a.member_goal)),
      h("td", { class: "num" }, paceByAk[a.ak] ? fmt(paceByAk[a.ak].member_register_net) : "–")))),
    h("tfoot", {}, h("tr", { "data-ak": "total" },
      h("th", { scope: "row" }, "Totalt"),
      h("td", { class: "num", "data-field": "conversations" }, fmt(totals.total.conversations)),
      h("td", { class: "num" }, fmt(totals.total.conversation_goal)),
      h("td", { class: "num" }, pct(totals.total.conversations, totals.total.conversation_goal)),
      h("td", {}, pace ? status(pace.total) : "–"),
      h("td", { class: "num" }, fmt(totals.total.doors)),
      h("td", { class: "num", "data-field": "members" }, fmt(totals.total.members)),
      h("td", { class: "num" }, fmt(totals.total.member_goal)),
      h("td", { class: "num" }, pace ? fmt(pace.total.member_register_net) : "–"))));
}

function headline(totals, pace) {
  const t = totals.total;
  return h("div", { class: "headline" },
    h("p", { class: "big-figure" }, h("span", { class: "value", id: "total-conversations" }, fmt(t.conversations)),
      h("span", { class: "of" }, ` av ${fmt(t.conversation_goal)} samtal (${pct(t.conversations, t.conversation_goal)})`)),
    h("p", { class: "big-figure" }, h("span", { class: "value", id: "total-members" }, fmt(t.members)),
      h("span", { class: "of" }, ` nya medlemmar vid dörren · medlemsmål netto ${fmt(t.member_goal)}`)),
    pace ? h("p", {}, `${pct(pace.share_passed, 1)} av perioden ${pace.period.starts_on} – ${pace.period.ends_on} har gått. `,
      `I takt vore ${fmt(pace.total.conversations_expected)} samtal i dag. `,
      `Medlemsregistret netto i år: ${fmt(pace.total.member_register_net)}.`) : "");
}

export async function dashboard(me, { live }) {
  const year = yearOf();
  const [totals, overview, aks] = await Promise.all([
    api(`/totals?year=${year}`), api(`/totals/overview?year=${year}`), api("/aks"),
  ]);
  let pace = overview.pace;
  const headBox = h("div", {}, headline(totals, pace));
  const tableBox = h("div", { class: "scroll" }, totalsTable(totals, pace));
  const chartBox = h("div", {});
  const weekBox = h("div", {});
  const topicBox = h("div", {});
  const unvisitedBox = h("div", {});
  const mapBox = h("div", {});
  const mapAk = h("select", { name: "map-ak" }, aks.map((a) => h("option", { value: a.slug }, a.name)));

  const drawTotals = (t) => {
    headBox.replaceChildren(headline(t, pace));
    tableBox.replaceChildren(totalsTable(t, pace));
    chartBox.replaceChildren(goalBars(`Samtal mot målet ${year}`, t.aks.map((a) => {
      const p = pace.aks.find((x) => x.ak === a.ak);
      return { label: a.name, value: a.conversations, goal: a.conversation_goal, expected: p ? p.conversations_expected : undefined };
    })));
  };
  const drawOverview = (o) => {
    pace = o.pace;
    weekBox.replaceChildren(weekBars(`Dörrar och samtal per vecka ${year}, alla arbetarekommuner`, o.weeks));
    topicBox.replaceChildren(o.topics.length
      ? countBars("Ämnen som kom upp", o.topics.map((t) => ({ label: t.label, value: t.conversations })))
      : h("p", {}, "Inga ämnen loggade än."));
    unvisitedBox.replaceChildren(
      h("p", {}, `${fmt(o.unvisited.length)} aktiva valdistrikt har ingen dörr loggad ${year}.`),
      h("ul", { class: "columns", id: "unvisited" }, o.unvisited.map((d) =>
        h("li", { "data-id": d.id }, `${d.name} (${d.ak_name})`, d.prioritised ? h("strong", {}, " – prioriterat") : ""))));
  };
  const drawMap = async () => {
    const slug = mapAk.value;
    const rows = await api(`/totals/districts?year=${year}&ak=${encodeURIComponent(slug)}`);
    mapBox.replaceChildren(await districtMap(year, slug, rows));
  };
  mapAk.addEventListener("change", drawMap);
  drawTotals(totals);
  drawOverview(overview);
  drawMap();

  // Totals come with the event itself; the other views are re-read once per burst.
  let latest = totals;
  let pending = null;
  const refresh = () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      try {
        drawOverview(await api(`/totals/overview?year=${year}`));
        drawTotals(latest);
        drawMap();
      } catch { /* the next event tries again */ }
    }, 150);
  };
  live(year, {
    onTotals: (t) => { latest = t; drawTotals(t); refresh(); },
    onChanged: refresh,
  });

  return h("div", { class: "dashboard" },
    h("div", { class: "page-head" }, h("h1", {}, `Alla arbetarekommuner ${year}`), yearPicker(year, "#/oversikt"),
      h("div", { class: "actions" },
        h("button", { type: "button", on: { click: () => download(`/exports/totals.csv?year=${year}`, `knacka-${year}.csv`) } }, "Ladda ner CSV"),
        h("button", { type: "button", on: { click: () => download(`/exports/totals.xlsx?year=${year}`, `knacka-${year}.xlsx`) } }, "Ladda ner Excel"))),
    headBox,
    h("section", { "aria-labelledby": "h-ak" }, h("h2", { id: "h-ak" }, "Per arbetarekommun"), tableBox, chartBox),
    h("section", { "aria-labelledby": "h-weeks" }, h("h2", { id: "h-weeks" }, "Trend per vecka"), weekBox),
    h("div", { class: "two" },
      h("section", { "aria-labelledby": "h-topics" }, h("h2", { id: "h-topics" }, "Ämnen"), topicBox),
      h("section", { "aria-labelledby": "h-unvisited" }, h("h2", { id: "h-unvisited" }, "Inte besökta än"), unvisitedBox)),
    h("section", { "aria-labelledby": "h-map" }, h("h2", { id: "h-map" }, "Karta"), field("Arbetarekommun", mapAk), mapBox));
}

// --- Goals for a plan year ----------------------------------------------------------------

export async function goals() {
  const year = yearOf();
  const aks = await api("/aks");
  let current = [];
  try { current = await api(`/goals?year=${year}`); } catch (err) { if (err.status !== 404) throw err; }
  const byAk = Object.fromEntries(current.map((g) => [g.ak, g]));
  const rows = aks.map((a) => {
    const conv = h("input", { type: "number", min: 0, inputmode: "numeric", name: `conv-${a.slug}`, value: byAk[a.slug]?.conversations ?? "" });
    const mem = h("input", { type: "number", min: 0, inputmode: "numeric", name: `mem-${a.slug}`, value: byAk[a.slug]?.members ?? "" });
    const status = h("span", { role: "status", class: "saved" });
    const error = errorLine();
    const save = async () => {
      if (conv.value === "" || mem.value === "") return showError(error, new Error("Fyll i båda målen."));
      try {
        await api(`/goals/${a.slug}/${year}`, { method: "PUT", body: { conversations: Number(conv.value), members: Number(mem.value) } });
        showError(error, null);
        status.textContent = "Sparat.";
      } catch (err) { showError(error, err); }
    };
    conv.setAttribute("aria-label", `Samtalsmål för ${a.name}`);
    mem.setAttribute("aria-label", `Medlemsmål för ${a.name}`);
    return h("tr", { "data-ak": a.slug }, h("th", { scope: "row" }, a.name), h("td", {}, conv), h("td", {}, mem),
      h("td", {}, h("button", { type: "button", on: { click: save } }, `Spara ${a.name}`), status, error));
  });
  return h("div", {}, h("h1", {}, `Mål ${year}`), yearPicker(year, "#/mal"),
    h("p", {}, "Samtalsmålet är Bilaga 1, medlemsmålet netto är Bilaga 2. Ändringen syns direkt på översikten."),
    h("div", { class: "scroll" }, h("table", { class: "figures" },
      h("thead", {}, h("tr", {}, ["Arbetarekommun", "Samtal", "Nya medlemmar netto", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows))), registerForm(aks, year), campaignLink());
}

function registerForm(aks, year) {
  const ak = h("select", { name: "register-ak" }, aks.map((a) => h("option", { value: a.slug }, a.name)));
  const day = h("input", { type: "date", name: "register-date", min: `${year}-01-01`, max: `${year}-12-31` });
  const net = h("input", { type: "number", name: "net_change", inputmode: "numeric", min: -100000, max: 100000 });
  const error = errorLine();
  const done = h("p", { role: "status" });
  const form = h("form", { class: "card" }, h("h2", {}, "Medlemsregistret"),
    h("p", {}, "Bilaga 2 är ett nettomål. För in registrets nettoförändring (nya minus utträdda) för en dag; en ny siffra för samma dag ersätter den gamla."),
    field("Arbetarekommun", ak), field("Datum", day), field("Nettoförändring", net, "Till exempel 4 eller -2."), error, done,
    h("button", { type: "submit", class: "primary" }, "Spara i registret"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!day.value) return showError(error, new Error("Välj ett datum."));
    if (net.value === "") return showError(error, new Error("Skriv nettoförändringen."));
    try {
      await api("/member-register", { method: "POST", body: { ak: ak.value, date: day.value, net_change: Number(net.value) } });
      showError(error, null);
      done.textContent = "Sparat.";
    } catch (err) { showError(error, err); }
  });
  return form;
}

// Campaigns replace the per-year campaign period: pace follows the year's campaigns for all AKs.
function campaignLink() {
  return h("div", { class: "card" }, h("h2", {}, "Kampanjer"),
    h("p", {}, "Takten räknas mot årets kampanjer för alla arbetarekommuner, annars mot hela året. ",
      h("a", { href: "#/kampanjer" }, "Kampanjerna"), " har egna mål, frågor och insikter."));
}

// --- Districts ----------------------------------------------------------------------------

export async function districts() {
  const aks = await api("/aks");
  const slug = param("ak") || aks[0].slug;
  const ak = aks.find((a) => a.slug === slug) || aks[0];
  const list = await api(`/districts?ak=${ak.slug}&include_retired=true`);
  const picker = h("select", { name: "ak" }, aks.map((a) => h("option", { value: a.slug, selected: a.slug === ak.slug }, a.name)));
  picker.addEventListener("change", () => { location.hash = `#/distrikt?ak=${picker.value}`; });
  const reload = () => window.dispatchEvent(new HashChangeEvent("hashchange"));

  const rows = list.map((d) => {
    const name = h("input", { type: "text", value: d.name, maxlength: 120, "aria-label": `Namn på ${d.name}` });
    const prio = h("input", { type: "checkbox", checked: d.prioritised, "aria-label": `${d.name} prioriterat` });
    const error = errorLine();
    const patch = async (body) => {
      try { await api(`/districts/${d.id}`, { method: "PATCH", body }); reload(); } catch (err) { showError(error, err); }
    };
    return h("tr", { "data-id": d.id, class: d.active ? "" : "retired" },
      h("td", {}, d.code), h("td", {}, name), h("td", {}, prio),
      h("td", {}, d.active ? "Aktivt" : "Avvecklat"),
      h("td", { class: "buttons" },
        h("button", { type: "button", on: { click: () => patch({ name: name.value, prioritised: prio.checked }) } }, "Spara"),
        d.active
          ? h("button", { type: "button", on: { click: () => patch({ active: false }) } }, `Avveckla ${d.name}`)
          : h("button", { type: "button", on: { click: () => patch({ active: true }) } }, `Återställ ${d.name}`),
        error));
  });

  const code = h("input", { type: "text", inputmode: "numeric", maxlength: 8, name: "code" });
  const newName = h("input", { type: "text", maxlength: 120, name: "name" });
  const newPrio = h("input", { type: "checkbox", name: "prioritised" });
  const error = errorLine();
  const form = h("form", { class: "card" }, h("h2", {}, "Lägg till valdistrikt"),
    field("Valdistriktskod", code, `Åtta siffror, börjar med ${ak.kommun_code}.`), field("Namn", newName),
    h("div", { class: "check" }, newPrio, h("label", {}, "Prioriterat i planen")), error,
    h("button", { type: "submit", class: "primary" }, "Lägg till"));
  newPrio.id = "new-prio";
  newPrio.nextSibling.setAttribute("for", "new-prio");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!/^\d{8}$/.test(code.value)) return showError(error, new Error("Skriv koden med åtta siffror."));
    if (!newName.value.trim()) return showError(error, new Error("Skriv ett namn."));
    try {
      await api("/districts", { method: "POST", body: { ak: ak.slug, code: code.value, name: newName.value, prioritised: newPrio.checked } });
      reload();
    } catch (err) { showError(error, err); }
  });
  return h("div", {}, h("h1", {}, `Valdistrikt i ${ak.name}`), field("Arbetarekommun", picker),
    h("p", {}, "Ett avvecklat valdistrikt försvinner ur listorna men behåller sina loggar och räknas i gamla siffror."),
    h("div", { class: "scroll" }, h("table", { class: "figures" },
      h("thead", {}, h("tr", {}, ["Kod", "Namn", "Prioriterat", "Status", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows))), form);
}

// --- Organisers ---------------------------------------------------------------------------

export async function organisers() {
  const aks = await api("/aks");
  const lists = await Promise.all(aks.map((a) => api(`/users?ak=${a.slug}`)));
  const seen = new Map();
  aks.forEach((a, i) => lists[i].filter((u) => u.role === "organiser").forEach((u) => {
    if (!seen.has(u.id)) seen.set(u.id, { ...u, aks: [] });
    seen.get(u.id).aks.push(a.name);
  }));
  const reload = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  const rows = [...seen.values()].map((u) => {
    const error = errorLine();
    const { act, buttons } = accountButtons(u, reload, error);
    const akBoxes = aks.map((a) => {
      const box = h("input", { type: "checkbox", value: a.slug, id: `org-${u.id}-${a.slug}`, checked: u.aks.includes(a.name) });
      return h("div", { class: "check" }, box, h("label", { for: `org-${u.id}-${a.slug}` }, a.name));
    });
    const saveAks = () => {
      const chosen = akBoxes.map((b) => b.querySelector("input")).filter((b) => b.checked).map((b) => b.value);
      if (!chosen.length) return showError(error, new Error("Välj minst en arbetarekommun."));
      return act(`/users/${u.id}/aks`, { aks: chosen }, "PUT");
    };
    const change = h("details", {}, h("summary", {}, "Byt arbetarekommuner"), akBoxes,
      h("button", { type: "button", on: { click: saveAks } }, "Spara arbetarekommuner"));
    return h("tr", {}, h("th", { scope: "row" }, u.name), h("td", {}, u.aks.join(", "), change),
      h("td", { class: "buttons" }, buttons));
  });
  const name = h("input", { type: "text", name: "name", maxlength: 80 });
  const email = h("input", { type: "email", name: "email", autocomplete: "off" });
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password" });
  const boxes = aks.map((a) => {
    const box = h("input", { type: "checkbox", value: a.slug, id: `org-ak-${a.slug}` });
    return h("div", { class: "check" }, box, h("label", { for: `org-ak-${a.slug}` }, a.name));
  });
  const error = errorLine();
  const form = h("form", { class: "card" }, h("h2", {}, "Ny organisatör"), field("Namn", name), field("E-post", email),
    field("Första lösenord", password, "Minst 10 tecken. Be personen byta det."),
    h("fieldset", {}, h("legend", {}, "Arbetarekommuner"), boxes), error,
    h("button", { type: "submit", class: "primary" }, "Skapa konto"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = boxes.map((b) => b.querySelector("input")).filter((b) => b.checked).map((b) => b.value);
    if (!name.value.trim()) return showError(error, new Error("Skriv ett namn."));
    if (!chosen.length) return showError(error, new Error("Välj minst en arbetarekommun."));
    try {
      await api("/users", { method: "POST", body: { name: name.value.trim(), email: email.value.trim(), password: password.value, role: "organiser", aks: chosen } });
      reload();
    } catch (err) { showError(error, err); }
  });
  return h("div", {}, h("h1", {}, "Organisatörer"),
    h("div", { class: "scroll" }, h("table", { class: "figures" },
      h("thead", {}, h("tr", {}, ["Namn", "Arbetarekommuner", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 3 }, "Inga organisatörer än."))))), form,
    await staffAccounts(reload));
}

// One account's buttons: close it, sign it out everywhere, or erase it (asked first).
function accountButtons(u, reload, error) {
  const act = async (path, body, method = "POST") => {
    try { await api(path, { method, body }); reload(); } catch (err) { showError(error, err); }
  };
  const confirm = h("span", { hidden: true }, "Säker? ",
    h("button", { type: "button", class: "danger", on: { click: () => act(`/users/${u.id}/erase`) } }, `Ja, ta bort ${u.name}`));
  const buttons = [
    u.disabled
      ? h("button", { type: "button", on: { click: () => act(`/users/${u.id}`, { disabled: false }, "PATCH") } }, `Öppna ${u.name}s konto`)
      : h("button", { type: "button", on: { click: () => act(`/users/${u.id}`, { disabled: true }, "PATCH") } }, "Stäng av"),
    h("button", { type: "button", on: { click: () => act(`/users/${u.id}/sessions/revoke`) } }, "Logga ut överallt"),
    h("button", { type: "button", on: { click: () => { confirm.hidden = false; } } }, "Ta bort"), confirm, error,
  ];
  return { act, buttons };
}

// The partidistrikt's own staff: colleagues are added and closed here, not on a server's shell.
async function staffAccounts(reload) {
  const people = await api("/staff");
  const rows = people.map((u) => h("tr", { dataset: { id: u.id } },
    h("th", { scope: "row" }, u.name, u.disabled ? " (avstängd)" : ""),
    h("td", { class: "buttons" }, accountButtons(u, reload, errorLine()).buttons)));
  const name = h("input", { type: "text", name: "name", maxlength: 80 });
  const email = h("input", { type: "email", name: "email", autocomplete: "off" });
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password" });
  const error = errorLine();
  const form = h("form", { class: "card" }, h("h3", {}, "Ny anställd"), field("Namn", name), field("E-post", email),
    field("Första lösenord", password, "Minst 10 tecken. Be personen byta det och slå på tvåstegsverifiering."), error,
    h("button", { type: "submit", class: "primary" }, "Skapa konto för anställd"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!name.value.trim()) return showError(error, new Error("Skriv ett namn."));
    try {
      await api("/users", { method: "POST", body: { name: name.value.trim(), email: email.value.trim(), password: password.value, role: "staff" } });
      reload();
    } catch (err) { showError(error, err); }
  });
  return h("section", { id: "staff-accounts" }, h("h2", {}, "Partidistriktets anställda"),
    h("p", {}, "Anställda ser alla arbetarekommuner och kan ändra mål, distrikt och konton."),
    h("div", { class: "scroll" }, h("table", { class: "figures" },
      h("thead", {}, h("tr", {}, ["Namn", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows))), form);
}

// --- Audit log ----------------------------------------------------------------------------

// The audit log's event codes in words (an unknown code is shown as it is).
const AUDIT_ACTION = {
  "assignment.create": "Gav ett uppdrag",
  "assignment.delete": "Tog bort ett uppdrag",
  "assignments.list": "Läste uppdragen",
  "audit.read": "Läste åtkomstloggen",
  "campaign.create": "Skapade kampanj",
  "campaign.update": "Ändrade kampanj",
  "channel_tallies.list": "Läste blanketter från arbetsplatser och torg",
  "channel_tally.create": "Förde in blankett från arbetsplats eller torg",
  "channel_tally.void": "Strök blankett från arbetsplats eller torg",
  "district.create": "Lade till valdistrikt",
  "district.successors": "Bekräftade efterträdare till valdistrikt",
  "district.update": "Ändrade valdistrikt",
  "goal.set": "Satte mål",
  "invite.create": "Skapade inbjudan",
  "invite.revoke": "Drog tillbaka inbjudan",
  "invite.show": "Visade inbjudningslänk igen",
  "log.void": "Strök en logg",
  "logs.skewed": "Läste loggar med fel klocka",
  "logs.void": "Strök en volontärs loggar",
  "member_register.record": "Förde in medlemsförändring",
  "plan.import": "Läste in planen",
  "push.lead_times": "Ändrade påminnelsetider",
  "quality.keep": "Markerade en flagga som stämmer",
  "quality.review": "Granskade loggar",
  "quality.void": "Strök loggarna bakom en flagga",
  retention: "Gallring",
  "shift.cancel": "Ställde in knackpass",
  "shift.create": "Skapade knackpass",
  "shift.update": "Ändrade knackpass",
  "shifts.inactive": "Läste vilka som inte varit ute på länge",
  "shifts.signups": "Läste vilka som anmält sig till knackpass",
  "sessions.revoke.totp_required": "Loggade ut konton utan tvåstegsverifiering",
  "tallies.list": "Läste pappersblanketter",
  "tally.create": "Förde in pappersblankett",
  "tally.void": "Strök pappersblankett",
  "topic.create": "Lade till ämne",
  "topic.update": "Ändrade ämne",
  "totals.volunteers": "Läste volontärernas siffror",
  "user.create": "Skapade konto",
  "user.erase": "Tog bort person",
  "user.erase.retention": "Tog bort person (gallring)",
  "user.extract": "Tog ut registerutdrag",
  "user.password_change": "Bytte lösenord",
  "user.read": "Läste person",
  "user.sessions_revoke": "Loggade ut person överallt",
  "user.update": "Ändrade person",
  "users.list": "Läste personlistan",
};

export async function audit() {
  const aks = await api("/aks");
  const akNames = Object.fromEntries(aks.map((a) => [a.slug, a.name]));
  const body = h("tbody", {});
  const more = h("button", { type: "button" }, "Visa äldre");
  let before = null;
  let person = null;  // the id the list is filtered by, or null for everyone
  const load = async () => {
    const filter = person ? `&user_id=${person}` : "";
    const events = await api(`/audit?limit=100${before ? `&before=${before}` : ""}${filter}`);
    events.forEach((e) => body.append(h("tr", {}, h("td", {}, dateText(e.at)), h("td", {}, e.actor_id ?? "–"),
      h("td", {}, AUDIT_ACTION[e.action] || e.action), h("td", {}, e.target_user_id ?? ""), h("td", {}, akNames[e.ak] || e.ak || ""),
      h("td", {}, (e.detail ?? "").replace(/^(\d+) users?$/, (_, c) => `${c} ${c === "1" ? "person" : "personer"}`)))));
    before = events.length ? events[events.length - 1].id : before;
    more.hidden = events.length < 100;
    if (!events.length && !body.children.length) body.append(h("tr", {}, h("td", { colspan: 6 }, "Inga händelser.")));
  };
  more.addEventListener("click", load);
  await load();
  return h("div", {}, h("h1", {}, "Logg över åtkomst"),
    h("p", {}, "Vem som läst eller ändrat uppgifter om personer, och när. Nyast först."),
    personRights(aks, async (id) => { person = id; before = null; body.replaceChildren(); await load(); }),
    h("div", { class: "scroll" }, h("table", { class: "figures" },
      h("thead", {}, h("tr", {}, ["Tid", "Av (id)", "Händelse", "Gäller (id)", "Arbetarekommun", "Detaljer"].map((t) => h("th", { scope: "col" }, t)))),
      body)), more);
}

// One person's rights (art. 15): their events in the log, and everything about them as a file.
function personRights(aks, filterBy) {
  const STAFF = "-staff-";  // not a slug (slugs have no leading dash): the district's staff
  const ak = h("select", { name: "ak" }, h("option", { value: "" }, "Välj arbetarekommun"),
    aks.map((a) => h("option", { value: a.slug }, a.name)),
    h("option", { value: STAFF }, "Partidistriktets anställda"));
  const who = h("select", { name: "person", disabled: true }, h("option", { value: "" }, "Välj arbetarekommun först"));
  const error = errorLine();
  const chosen = () => {
    if (!who.value) { showError(error, new Error("Välj en person.")); return null; }
    error.hidden = true;
    return Number(who.value);
  };
  ak.addEventListener("change", async () => {
    who.replaceChildren(h("option", { value: "" }, "Välj person"));
    who.disabled = !ak.value;
    if (!ak.value) return;
    try {
      const people = await api(ak.value === STAFF ? "/staff" : `/users?ak=${ak.value}`);
      people.forEach((u) => who.append(h("option", { value: u.id }, `${u.name} (id ${u.id})`)));
    } catch (err) { showError(error, err); }
  });
  const act = (fn) => async () => {
    const id = chosen();
    if (id === null) return;
    try { await fn(id); } catch (err) { showError(error, err); }
  };
  return h("section", { class: "card", id: "person-rights" }, h("h2", {}, "En persons uppgifter"),
    h("p", {}, "Visa bara det som gäller en person, eller ladda ner allt Knacka har om personen som en fil (registerutdrag). Båda loggas."),
    field("Arbetarekommun", ak), field("Person", who), error,
    h("div", { class: "buttons" },
      h("button", { type: "button", on: { click: act(filterBy) } }, "Visa personens händelser"),
      h("button", { type: "button", class: "primary", on: { click: act((id) => download(`/users/${id}/extract`, `knacka-utdrag-${id}.json`)) } }, "Ladda ner registerutdrag"),
      h("button", { type: "button", on: { click: () => filterBy(null) } }, "Visa alla")));
}

// --- The year report (one printed page for the höstmöte) ---------------------------------

export async function report(me) {
  const year = yearOf();
  const pace = await api(`/totals/pace?year=${year}`);
  const overview = me.role === "staff" ? await api(`/totals/overview?year=${year}`) : null;
  const t = pace.total;
  return h("article", { class: "report" },
    h("div", { class: "no-print" }, yearPicker(year, "#/rapport"),
      h("button", { type: "button", class: "primary", on: { click: () => window.print() } }, "Skriv ut")),
    h("h1", {}, `Knacka – dörrknackning ${year}`),
    h("p", { class: "lead" }, `Socialdemokraterna i Göteborgsområdet. Underlag till höstmötet, utskrivet ${new Date().toLocaleDateString("sv-SE")}.`),
    h("ul", { class: "key-figures" },
      h("li", {}, h("strong", {}, fmt(t.conversations)), ` samtal av målet ${fmt(t.conversation_goal)} (${pct(t.conversations, t.conversation_goal)})`),
      h("li", {}, h("strong", {}, fmt(t.doors)), " dörrar"),
      h("li", {}, h("strong", {}, fmt(t.members)), ` nya medlemmar vid dörren; medlemsregistret netto ${fmt(t.member_register_net)} mot målet ${fmt(t.member_goal)}`)),
    h("div", { class: "scroll" }, h("table", { class: "figures compact" },
      h("thead", {}, h("tr", {}, ["Arbetarekommun", "Samtal", "Mål", "Andel", "Takt", "Nya medl.", "Register netto", "Medl.mål"].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, pace.aks.map((a) => h("tr", {}, h("th", { scope: "row" }, a.name), h("td", { class: "num" }, fmt(a.conversations)),
        h("td", { class: "num" }, fmt(a.conversation_goal)), h("td", { class: "num" }, pct(a.conversations, a.conversation_goal)),
        h("td", {}, a.conversations_on_track ? "I takt" : "Efter"), h("td", { class: "num" }, fmt(a.members)),
        h("td", { class: "num" }, fmt(a.member_register_net)), h("td", { class: "num" }, fmt(a.member_goal))))))),
    goalBars(`Samtal mot målet ${year}`, pace.aks.map((a) => ({ label: a.name, value: a.conversations, goal: a.conversation_goal, expected: a.conversations_expected }))),
    overview ? h("div", { class: "two" },
      weekBars("Per vecka", overview.weeks),
      overview.topics.length ? countBars("Ämnen", overview.topics.slice(0, 7).map((x) => ({ label: x.label, value: x.conversations }))) : "") : "",
    h("p", { class: "small" }, "Samtal räknas mot Bilaga 1. Bilaga 2 är ett nettomål: nya medlemmar vid dörren visas bredvid medlemsregistrets nettoförändring. Källa: Knacka."));
}
