// Campaigns for staff (every campaign, the form) and organisers (their AK's campaigns): the
// insights for politikutveckling, the pace against the goal and a printable A4 report.
//
// Stable selectors for tests: [data-view="campaign"][data-campaign-id][data-scope] holds the
// view; [data-group="summary" | "distrikt" | "ak" | "previous"] a group's figures, each figure a
// [data-field="conversations" | "doors" | "members" | "with-topic" | "share-with-topic"];
// rows tr[data-topic=SLUG], tr[data-option=I] (with [data-field="n"]), tr[data-week=MONDAY],
// tr[data-district-id=ID] and tr[data-ak=SLUG]; a hidden breakdown has data-suppressed="true"
// and reads "färre än 10 samtal"; the pace [data-field="pace-conversations" | "pace-expected" |
// "pace-status"].

import { h } from "../shared/dom.js";
import { fmt, pct } from "../shared/format.js";
import { api, download } from "./api.js";
import { countBars } from "./charts.js";
import { errorLine, field, showError } from "./dom.js";
import { param } from "./hash.js";

const HIDDEN = "färre än 10 samtal";
const thisYear = new Date().getFullYear();
const day = (iso) => new Intl.DateTimeFormat("sv-SE", { dateStyle: "medium" }).format(new Date(`${iso}T12:00:00`));
const share = (x) => (x === null || x === undefined ? "–" : pct(x, 1));
const weekNumber = (iso) => {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 3 - ((d.getUTCDay() + 6) % 7));
  const jan4 = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  return 1 + Math.round(((d - jan4) / 86400000 - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7);
};

// --- The list ------------------------------------------------------------------------------

export async function campaignsPage(me) {
  const campaigns = await api("/campaigns");
  // An organiser opens a campaign at the first of their AKs that it covers.
  const scope = (c) => {
    if (me.role === "staff") return "";
    const ak = c.aks ? me.aks.find((a) => c.aks.includes(a)) : me.aks[0];
    return `&ak=${encodeURIComponent(ak || "")}`;
  };
  return h("div", {},
    h("h1", {}, "Kampanjer"),
    h("p", {}, me.role === "staff"
      ? "Varje kampanj har egna insikter: vilka ämnen som kom upp, svaren på frågan och takten mot målet."
      : "Kampanjerna för din arbetarekommun: vad samtalen handlade om och hur det går."),
    me.role === "staff" ? h("p", {}, h("a", { href: "#/kampanj-ny", class: "button primary" }, "Ny kampanj")) : "",
    campaigns.length
      ? h("ul", { class: "plain campaign-list", id: "campaigns" }, campaigns.map((c) => h("li", { "data-campaign-id": c.id },
        h("a", { href: `#/kampanj?id=${c.id}${scope(c)}` }, c.name),
        ` ${day(c.starts_on)} – ${day(c.ends_on)}`,
        c.aks ? ` · ${c.aks.length} ${c.aks.length === 1 ? "arbetarekommun" : "arbetarekommuner"}` : " · alla arbetarekommuner",
        me.role === "staff" ? [" · ", h("a", { href: `#/kampanj-ny?id=${c.id}` }, `Ändra ${c.name}`)] : "")))
      : h("p", {}, "Inga kampanjer än."));
}

// --- One campaign's insights ------------------------------------------------------------------

function figureCells(row) {
  const hidden = row.suppressed;
  return [
    h("td", { class: "num", "data-field": "conversations" }, fmt(row.conversations)),
    h("td", { class: "num", "data-field": "doors" }, fmt(row.doors)),
    h("td", { class: "num", "data-field": "members" }, fmt(row.members)),
    h("td", { class: "num", "data-field": "with-topic" }, hidden ? HIDDEN : fmt(row.with_topic)),
    h("td", { class: "num", "data-field": "share-with-topic" }, hidden ? "–" : share(row.share_with_topic)),
  ];
}

const FIGURE_HEADS = ["Samtal", "Dörrar", "Nya medlemmar", "Samtal med ämne", "Andel med ämne"];

function groupsTable(caption, id, first, rows) {
  return h("div", { class: "scroll" }, h("table", { class: "figures", id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, [first, ...FIGURE_HEADS].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map(({ name, row, attrs }) => h("tr", { ...attrs, "data-suppressed": row.suppressed ? "true" : "false" },
      h("th", { scope: "row" }, name), figureCells(row))))));
}

function opinionTables(row, options, prefix) {
  if (row.suppressed) return h("p", { class: "hidden-note", "data-suppressed": "true" }, `Ämnen och svar visas inte: ${HIDDEN}.`);
  const topics = row.topics.length
    ? h("table", { class: "figures compact", id: `${prefix}-topics` },
      h("caption", {}, "Ämnen som väljarna tog upp"),
      h("thead", {}, h("tr", {}, ["Ämne", "Samtal", "Andel av samtalen"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, row.topics.map((t) => h("tr", { "data-topic": t.slug },
        h("th", { scope: "row" }, t.label), h("td", { class: "num", "data-field": "n" }, fmt(t.n)),
        h("td", { class: "num", "data-field": "share" }, share(t.share))))))
    : h("p", {}, "Inga ämnen loggade än.");
  const answers = options.length
    ? h("table", { class: "figures compact", id: `${prefix}-answers` },
      h("caption", {}, "Svar på frågan"),
      h("thead", {}, h("tr", {}, ["Svar", "Antal", "Andel av svaren"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, row.answers.map((a) => h("tr", { "data-option": a.option },
        h("th", { scope: "row" }, a.label), h("td", { class: "num", "data-field": "n" }, fmt(a.n)),
        h("td", { class: "num", "data-field": "share" }, share(a.share))))))
    : "";
  return h("div", { class: "two" }, h("div", {}, topics), h("div", {}, answers));
}

function keyFigures(row, group) {
  return h("ul", { class: "key-figures", "data-group": group, "data-suppressed": row.suppressed ? "true" : "false" },
    h("li", {}, h("strong", { "data-field": "conversations" }, fmt(row.conversations)), " samtal"),
    h("li", {}, h("strong", { "data-field": "doors" }, fmt(row.doors)), " dörrar"),
    h("li", {}, h("strong", { "data-field": "members" }, fmt(row.members)), " nya medlemmar vid dörren"),
    h("li", {}, row.suppressed
      ? h("span", { "data-field": "share-with-topic" }, `Ämnen: ${HIDDEN}`)
      : [h("strong", { "data-field": "share-with-topic" }, share(row.share_with_topic)), " av samtalen tog upp ett ämne ",
        h("span", { "data-field": "with-topic" }, `(${fmt(row.with_topic)})`)]));
}

function paceBlock(pace) {
  if (pace.goal === null) {
    return h("p", { "data-field": "pace-status" }, `Kampanjen har inget mål. ${fmt(pace.conversations)} samtal hittills.`);
  }
  const status = pace.on_track ? "I takt" : "Efter takt";
  return h("div", { class: "pace" },
    h("p", { class: "big-figure" },
      h("span", { class: "value", "data-field": "pace-conversations" }, fmt(pace.conversations)),
      h("span", { class: "of" }, ` av målet ${fmt(pace.goal)} samtal (${pct(pace.conversations, pace.goal)})`)),
    h("p", {}, `${share(pace.share_passed)} av kampanjens dagar har gått. I takt vore `,
      h("strong", { "data-field": "pace-expected" }, fmt(pace.expected)), " samtal i dag: ",
      h("strong", { "data-field": "pace-status", "data-on-track": String(pace.on_track) }, status), "."),
    pace.weeks.length ? h("div", { class: "scroll" }, h("table", { class: "figures compact", id: "pace-weeks" },
      h("caption", {}, "Takten vecka för vecka (samtal sammanlagt)"),
      h("thead", {}, h("tr", {}, ["Vecka", "Till och med", "Samtal", "I takt vore", "Takt"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, pace.weeks.map((w) => h("tr", { "data-week": w.week },
        h("th", { scope: "row" }, `v. ${weekNumber(w.week)}`), h("td", {}, day(w.through)),
        h("td", { class: "num" }, fmt(w.conversations)), h("td", { class: "num" }, fmt(w.expected)),
        h("td", {}, w.on_track ? "I takt" : "Efter takt")))))) : "");
}

function scopePicker(me, body, aks, districts) {
  const mine = me.role === "staff" ? aks : aks.filter((a) => me.aks.includes(a.slug));
  const id = body.campaign.id;
  const current = body.scope.ak || "";
  const ak = h("select", { name: "scope-ak" },
    me.role === "staff" ? h("option", { value: "", selected: !current }, "Hela distriktet") : "",
    mine.map((a) => h("option", { value: a.slug, selected: a.slug === current }, a.name)));
  ak.addEventListener("change", () => { location.hash = `#/kampanj?id=${id}${ak.value ? `&ak=${ak.value}` : ""}`; });
  const parts = [field("Arbetarekommun", ak)];
  if (current) {
    const district = h("select", { name: "scope-district" },
      h("option", { value: "", selected: !body.scope.district_id }, "Hela arbetarekommunen"),
      districts.map((d) => h("option", { value: d.id, selected: d.id === body.scope.district_id }, `${d.name} (${d.code})`)));
    district.addEventListener("change", () => {
      location.hash = `#/kampanj?id=${id}&ak=${current}${district.value ? `&district=${district.value}` : ""}`;
    });
    parts.push(field("Valdistrikt", district, "Under AK-nivå visas ämnen och svar bara där det finns minst 10 samtal."));
  }
  return h("div", { class: "no-print scope" }, parts);
}

function scopeName(body) {
  if (body.scope.level === "distrikt") return "hela distriktet";
  if (body.scope.level === "ak") return body.scope.ak_name;
  return `${body.scope.name} (${body.scope.code}), ${body.scope.ak_name}`;
}

function insightsView(body) {
  const options = body.campaign.options;
  const weeks = groupsTable("Vecka för vecka", "campaign-weeks", "Vecka",
    body.weeks.map((w) => ({ name: `v. ${weekNumber(w.week)} (${day(w.week)})`, row: w, attrs: { "data-week": w.week } })));
  const compare = [];
  if (body.compare.ak) compare.push({ name: `${body.scope.ak_name} (hela AK)`, row: body.compare.ak, attrs: { "data-group": "ak" } });
  if (body.compare.distrikt) compare.push({ name: "Hela distriktet", row: body.compare.distrikt, attrs: { "data-group": "distrikt" } });
  if (body.compare.previous) {
    compare.push({ name: `Förra kampanjen: ${body.compare.previous.name}`, row: body.compare.previous, attrs: { "data-group": "previous" } });
  }
  const parts = [
    keyFigures(body.summary, "summary"),
    h("section", { "aria-labelledby": "h-said" }, h("h2", { id: "h-said" }, "Vad samtalen handlade om"),
      body.campaign.question ? h("p", {}, `Frågan: ”${body.campaign.question}”`) : "",
      opinionTables(body.summary, options, "summary"),
      !body.summary.suppressed && body.summary.topics.length
        ? h("div", { class: "no-print" }, countBars("Ämnen", body.summary.topics.map((t) => ({ label: t.label, value: t.n })))) : ""),
    h("section", { "aria-labelledby": "h-weeks" }, h("h2", { id: "h-weeks" }, "Vecka för vecka"), weeks),
  ];
  if (compare.length) {
    parts.push(h("section", { "aria-labelledby": "h-compare" }, h("h2", { id: "h-compare" }, "Jämförelse"),
      groupsTable(`${scopeName(body)} jämfört`, "campaign-compare", "Grupp",
        [{ name: `Den här kampanjen, ${scopeName(body)}`, row: body.summary, attrs: { "data-group": "this" } }, ...compare]),
      body.compare.previous && !body.compare.previous.suppressed && body.compare.previous.topics.length
        ? h("p", {}, `Förra kampanjens vanligaste ämnen: ${body.compare.previous.topics.slice(0, 3).map((t) => t.label).join(", ")}.`) : ""));
  }
  if (body.aks) {
    parts.push(h("section", { "aria-labelledby": "h-aks" }, h("h2", { id: "h-aks" }, "Per arbetarekommun"),
      groupsTable("Per arbetarekommun", "campaign-aks", "Arbetarekommun",
        body.aks.map((a) => ({ name: a.name, row: a, attrs: { "data-ak": a.ak } })))));
  }
  if (body.districts) {
    parts.push(h("section", { "aria-labelledby": "h-districts" }, h("h2", { id: "h-districts" }, "Per valdistrikt"),
      h("p", {}, `Ämnen och svar per valdistrikt visas bara där det finns minst ${body.threshold} samtal, och inte heller där de skulle gå att räkna ut från de andra.`),
      groupsTable("Per valdistrikt", "campaign-districts", "Valdistrikt",
        body.districts.map((d) => ({ name: `${d.name} (${d.code})`, row: d, attrs: { "data-district-id": d.id ?? d.district_id } })))));
  }
  const ch = body.channels;
  if (ch) {
    const joined = ch.workplace.members + ch.stall.members;
    parts.push(h("p", { id: "campaign-channels" },
      `Utanför dörrarna: ${fmt(ch.workplace.conversations)} samtal på arbetsplatser, ${fmt(ch.stall.conversations)} samtal vid torg och stånd; `,
      `${fmt(joined)} ${joined === 1 ? "ny medlem" : "nya medlemmar"} där (räknas inte i Bilaga 1).`));
  }
  return parts;
}

export async function campaignPage(me, { live }) {
  const id = Number(param("id"));
  const ak = param("ak") || (me.role === "staff" ? "" : me.aks[0] || "");
  const district = param("district") || "";
  const query = () => {
    const q = new URLSearchParams();
    if (district) q.set("district_id", district);
    else if (ak) q.set("ak", ak);
    return q.toString();
  };
  const [body, aks, districts] = await Promise.all([
    api(`/campaigns/${id}/insights?${query()}`),
    api("/aks"),
    ak ? api(`/districts?ak=${encodeURIComponent(ak)}`) : Promise.resolve([]),
  ]);
  const paceBox = h("section", { "aria-labelledby": "h-pace" }, h("h2", { id: "h-pace" }, "Takt mot målet"), paceBlock(body.pace));
  const insightsBox = h("div", {}, insightsView(body));
  const updated = h("p", { class: "updated", "data-field": "updated", role: "status" }, "");
  const draw = (b) => {
    paceBox.replaceChildren(h("h2", { id: "h-pace" }, "Takt mot målet"), paceBlock(b.pace));
    insightsBox.replaceChildren(...insightsView(b));
    updated.textContent = `Uppdaterad ${new Date().toLocaleTimeString("sv-SE")}`;
  };
  // Every change of the counts re-reads the insights (one read per burst).
  let pending = null;
  const refresh = () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      try { draw(await api(`/campaigns/${id}/insights?${query()}`)); } catch { /* the next event tries again */ }
    }, 150);
  };
  live(thisYear, { onTotals: refresh, onChanged: refresh });

  const file = (ext) => `knacka-kampanj-${id}${district ? `-d${district}` : ak ? `-${ak}` : ""}.${ext}`;
  const c = body.campaign;
  return h("article", {
    class: "report campaign-report", "data-view": "campaign", "data-campaign-id": c.id, "data-scope": body.scope.level,
  },
    h("div", { class: "no-print page-head" },
      h("p", {}, h("a", { href: "#/kampanjer" }, "← Alla kampanjer")),
      h("div", { class: "actions" },
        h("button", { type: "button", on: { click: () => download(`/exports/campaigns/${id}/insights.csv?${query()}`, file("csv")) } }, "Ladda ner CSV"),
        h("button", { type: "button", on: { click: () => download(`/exports/campaigns/${id}/insights.xlsx?${query()}`, file("xlsx")) } }, "Ladda ner Excel"),
        h("button", { type: "button", class: "primary", on: { click: () => window.print() } }, "Skriv ut rapporten"))),
    h("h1", {}, `${c.name}: ${scopeName(body)}`),
    h("p", { class: "lead" }, `Kampanjen pågår ${day(c.starts_on)} – ${day(c.ends_on)}. Utskrivet underlag för politikutveckling, ${new Date().toLocaleDateString("sv-SE")}.`),
    scopePicker(me, body, aks, districts),
    updated,
    paceBox,
    insightsBox);
}

// --- The campaign form (staff): new or an existing campaign ---------------------------------

export async function campaignForm() {
  const id = Number(param("id")) || null;
  const [aks, topics, existing] = await Promise.all([
    api("/aks"), api("/topics"), id ? api(`/campaigns/${id}`) : Promise.resolve(null),
  ]);
  const year = thisYear;
  const name = h("input", { type: "text", name: "campaign-name", maxlength: 80, value: existing?.name ?? "" });
  const from = h("input", { type: "date", name: "campaign-start", value: existing?.starts_on ?? "" });
  const to = h("input", { type: "date", name: "campaign-end", value: existing?.ends_on ?? "" });
  const goal = h("input", { type: "number", name: "campaign-goal", min: 1, inputmode: "numeric", value: existing?.goal ?? "" });
  const guide = h("textarea", { name: "campaign-guide", maxlength: 2000, rows: 5 });
  guide.value = existing?.guide ?? "";
  const question = h("input", { type: "text", name: "campaign-question", maxlength: 80, value: existing?.question?.text ?? "" });
  const options = h("textarea", { name: "campaign-options", rows: 4 });
  options.value = (existing?.question?.options ?? []).join("\n");
  const reviewed = h("input", { type: "checkbox", name: "campaign-reviewed", checked: Boolean(existing?.question) });

  const allAks = h("input", { type: "checkbox", name: "campaign-all-aks", checked: !existing || existing.aks === null });
  const akBoxes = aks.map((a) => h("input", {
    type: "checkbox", name: "campaign-ak", value: a.slug, checked: Boolean(existing?.aks?.includes(a.slug)),
  }));
  const akList = h("div", { class: "columns", hidden: allAks.checked },
    aks.map((a, i) => h("label", { class: "check" }, akBoxes[i], a.name)));
  allAks.addEventListener("change", () => { akList.hidden = allAks.checked; });

  const chosen = new Set(existing?.topics ?? []);
  const topicList = h("div", { class: "columns" });
  const drawTopics = (list) => topicList.replaceChildren(...list.map((t) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "campaign-topic", value: t.slug, checked: chosen.has(t.slug),
      on: { change: (e) => (e.target.checked ? chosen.add(t.slug) : chosen.delete(t.slug)) } }), t.label)));
  drawTopics(topics);
  const newTopic = h("input", { type: "text", name: "campaign-new-topic", maxlength: 80 });
  const topicError = errorLine();
  const addTopic = async () => {
    const label = newTopic.value.trim();
    if (!label) return showError(topicError, new Error("Skriv ämnets namn."));
    const slug = label.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40);
    try {
      await api("/topics", { method: "POST", body: { slug, label } });
      chosen.add(slug);
      drawTopics(await api("/topics"));
      newTopic.value = "";
      showError(topicError, null);
    } catch (err) { showError(topicError, err); }
  };

  const error = errorLine();
  const done = h("p", { role: "status", class: "saved" });
  const form = h("form", { class: "card", novalidate: true, id: "campaign-form" },
    field("Namn", name), field("Första dag", from), field("Sista dag", to),
    h("fieldset", {}, h("legend", {}, "Arbetarekommuner"),
      h("label", { class: "check" }, allAks, "Alla arbetarekommuner (även sådana som läggs till senare)"), akList),
    h("fieldset", {}, h("legend", {}, "Ämnen i snabbsteget"),
      h("p", { class: "hint" }, "Välj bland distriktets ämnen, eller lägg till ett ämne för kampanjen. Inga ämnen valda: telefonen visar hela listan."),
      topicList, field("Nytt ämne", newTopic),
      h("button", { type: "button", on: { click: addTopic } }, "Lägg till ämnet"), topicError),
    field("Mål i samtal (frivilligt)", goal, "Takten räknas mot målet dag för dag, som årets takt."),
    field("Samtalsstöd (frivilligt, högst 2 000 tecken)", guide),
    h("fieldset", {}, h("legend", {}, "Kampanjfråga (frivillig)"),
      field("Fråga", question),
      field("Svarsalternativ, ett per rad (2–6)", options,
        existing?.question ? "Alternativen går inte att ändra när loggar redan har svar." : undefined),
      h("p", { class: "review-note", id: "campaign-review-note" },
        "Granska frågan innan kampanjen börjar: inget om hälsa, religion, etniskt ursprung eller fackligt medlemskap. ",
        "Svaren är politiska åsikter och visas bara som antal, aldrig per person."),
      h("label", { class: "check" }, reviewed, "Jag har granskat frågan och alternativen")),
    error, done,
    h("button", { type: "submit", class: "primary" }, id ? "Spara ändringarna" : "Skapa kampanjen"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!name.value.trim()) return showError(error, new Error("Skriv kampanjens namn."));
    if (!from.value || !to.value) return showError(error, new Error("Välj första och sista dag."));
    const body = {
      name: name.value.trim(), starts_on: from.value, ends_on: to.value, guide: guide.value, topics: [...chosen],
    };
    if (!allAks.checked) {
      body.aks = akBoxes.filter((b) => b.checked).map((b) => b.value);
      if (!body.aks.length) return showError(error, new Error("Välj minst en arbetarekommun, eller alla."));
    }
    if (goal.value) body.goal = Number(goal.value);
    const answers = options.value.split("\n").map((o) => o.trim()).filter(Boolean);
    if (question.value.trim()) {
      if (answers.length < 2 || answers.length > 6) return showError(error, new Error("Skriv 2–6 svarsalternativ, ett per rad."));
      if (!reviewed.checked) return showError(error, new Error("Bekräfta att du har granskat frågan."));
      body.question = { text: question.value.trim(), options: answers };
    }
    try {
      const saved = await api(id ? `/campaigns/${id}` : "/campaigns", { method: id ? "PUT" : "POST", body });
      showError(error, null);
      done.replaceChildren(id ? "Ändringarna är sparade. " : "Kampanjen är skapad. ",
        h("a", { href: `#/kampanj?id=${saved.id}` }, "Visa insikterna"));
    } catch (err) { showError(error, err); }
  });
  return h("div", {}, h("h1", {}, id ? `Ändra ${existing.name}` : "Ny kampanj"),
    h("p", {}, `Kampanjer ersätter årets kampanjperiod: takten för ${year} räknas mot årets kampanjer för alla arbetarekommuner.`),
    form);
}
