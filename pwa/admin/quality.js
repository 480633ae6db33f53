// "Granska loggar": the data-quality review for an AK's organisers and staff. Each flag says
// what it rests on; a person decides: "Stämmer" keeps the logs, "Stryk loggarna" voids them.
// Nothing is decided by itself; every decision is audited on the server.

import { confirmAction } from "../shared/confirm.js";
import { h } from "../shared/dom.js";
import { api } from "./api.js";
import { dateText } from "./dom.js";
import { param } from "./hash.js";

const KIND = {
  burst: "Många dörrar på kort tid",
  contact_rate: "Nästan alla öppnade",
  clock_skew: "Telefonens klocka gick fel",
  tally: "Ovanligt stor papperslista",
};

const DECISION = { keep: "Stämmer", void: "Loggarna strukna" };

const dayText = (iso) => new Intl.DateTimeFormat("sv-SE", { dateStyle: "long" }).format(new Date(`${iso}T12:00:00`));

async function chooseAk(me) {
  const aks = await api("/aks");
  const mine = me.role === "staff" ? aks : aks.filter((a) => me.aks.includes(a.slug));
  const slug = param("ak") || mine[0]?.slug;
  return { ak: mine.find((a) => a.slug === slug) || mine[0], mine };
}

function who(flag) {
  const parts = [];
  if (flag.user_name) parts.push(flag.user_name);
  if (flag.district_name) parts.push(flag.district_name);
  parts.push(dayText(flag.day));
  return parts.join(" · ");
}

export async function reviewPage(me) {
  const { ak, mine } = await chooseAk(me);
  if (!ak) return h("p", {}, "Du är inte organisatör för någon arbetarekommun.");
  const status = h("p", { class: "saved", role: "status", id: "quality-saved" });
  const openList = h("div", { id: "quality-open" });
  const resolvedList = h("div", { id: "quality-resolved" });

  const draw = async () => {
    const review = await api(`/quality?ak=${ak.slug}`);
    openList.replaceChildren(
      review.flags.length
        ? h("ul", { class: "plain flags" }, review.flags.map((f) => openFlag(f)))
        : h("p", { id: "quality-none" }, "Inget att granska just nu."),
    );
    resolvedList.replaceChildren(
      review.resolved.length
        ? h("ul", { class: "plain flags" }, review.resolved.map((f) => h("li", { class: "card flag", "data-key": f.key },
          h("h3", {}, `${KIND[f.kind] || f.kind}: ${DECISION[f.decision] || f.decision}`),
          h("p", {}, who(f)),
          h("p", {}, f.rests_on),
          h("p", { class: "hint" }, `Avgjord ${dateText(f.decided_at)}${f.decision === "void" ? `, ${f.voided} loggar strukna` : ""}.`))))
        : h("p", {}, "Inga avgjorda flaggor de senaste 30 dagarna."),
    );
  };

  const decide = async (flag, action) => {
    if (action === "void") {
      const sure = await confirmAction({
        title: "Stryka loggarna?",
        text: [
          `${KIND[flag.kind] || flag.kind}: ${who(flag)}.`,
          "Loggarna bakom flaggan stryks och räknas inte längre. Siffrorna ändras direkt. Det går inte att ångra.",
        ],
        yes: "Stryk loggarna",
        no: "Avbryt",
      });
      if (!sure) return;
    }
    try {
      const done = await api(`/quality/flags/${encodeURIComponent(flag.key)}/${action}?ak=${ak.slug}`, { method: "POST" });
      status.textContent = action === "keep"
        ? `Markerad som stämmer: ${who(flag)}.`
        : `${done.voided} loggar strukna: ${who(flag)}.`;
    } catch (err) {
      status.textContent = err.message;
    }
    await draw();
  };

  function openFlag(flag) {
    return h("li", { class: "card flag", "data-key": flag.key },
      h("h3", {}, KIND[flag.kind] || flag.kind),
      h("p", { class: "who" }, who(flag)),
      h("p", {}, flag.rests_on),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", on: { click: () => decide(flag, "keep") } }, "Stämmer"),
        h("button", { type: "button", class: "danger", on: { click: () => decide(flag, "void") } }, "Stryk loggarna")));
  }

  await draw();
  const picker = mine.length > 1
    ? h("div", { class: "field" }, h("label", { for: "quality-ak" }, "Arbetarekommun"),
      h("select", { id: "quality-ak", name: "ak", on: { change: (e) => { location.hash = `#/granska?ak=${e.target.value}`; } } },
        mine.map((a) => h("option", { value: a.slug, selected: a.slug === ak.slug }, a.name))))
    : "";
  return h("div", {},
    h("h1", {}, `Granska loggar: ${ak.name}`),
    picker,
    h("p", {}, "Här visas loggar som är möjliga men ovanliga, till exempel många dörrar på en minut. En flagga handlar om loggar, inte om en person: en telefon som varit utan nät skickar en hel dags loggar på en gång, och det är helt i sin ordning. Titta på vad flaggan bygger på och bestäm: stämmer det, eller ska loggarna strykas? Bara du och andra organisatörer i arbetarekommunen samt distriktet ser flaggorna. De försvinner efter 30 dagar."),
    status,
    h("section", { "aria-labelledby": "h-open" }, h("h2", { id: "h-open" }, "Att granska"), openList),
    h("section", { "aria-labelledby": "h-resolved" }, h("h2", { id: "h-resolved" }, "Avgjorda"), resolvedList));
}
