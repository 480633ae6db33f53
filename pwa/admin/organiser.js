// AK organisers (and staff on an AK's page): progress, invites, volunteers, assignments,
// paper tallies, and the printable tally sheet.

import { confirmAction } from "../shared/confirm.js";
import { h } from "../shared/dom.js";
import { fmt, pct } from "../shared/format.js";
import { api } from "./api.js";
import { goalBars, weekBars } from "./charts.js";
import { districtMap } from "./district-map.js";
import { errorLine, field, isoToday, showError, svgImageUrl } from "./dom.js";
import { param } from "./hash.js";

const year = () => Number(param("year")) || new Date().getFullYear();
const reload = () => window.dispatchEvent(new HashChangeEvent("hashchange"));

// After an action the page is drawn again with fresh figures: it keeps its scroll position and
// says what happened where the action was (until the next action), instead of jumping up.
let afterReload = null;
function reloadWith(sectionId, text) {
  afterReload = { sectionId, text, scrollY: window.scrollY };
  reload();
}
function noticeLine(sectionId) {
  return h("p", { class: "saved", role: "status", id: `${sectionId}-saved` });
}
function settle() {
  const pending = afterReload;
  afterReload = null;
  if (!pending) return;
  // The page is put on screen by app.js after this view's data arrived: wait for its line.
  const until = Date.now() + 10000;
  const place = () => {
    const line = document.getElementById(`${pending.sectionId}-saved`);
    if (!line) {
      if (Date.now() < until) requestAnimationFrame(place);
      return;
    }
    line.textContent = pending.text;
    window.scrollTo({ top: pending.scrollY, behavior: "instant" });
  };
  requestAnimationFrame(place);
}

const n = (count, one, many) => `${fmt(count)} ${count === 1 ? one : many}`;
// A paper tally in words, every column (the saved line and the list say the same).
function tallyWords(t) {
  return `${n(t.conversation, "samtal", "samtal")}, ${fmt(t.not_home)} ej hemma, ${fmt(t.declined)} nej tack, ` +
    `${fmt(t.no_access)} kom inte in, ${n(t.new_members, "ny medlem", "nya medlemmar")}, ` +
    `material vid ${n(t.left_material, "dörr", "dörrar")}`;
}

async function chooseAk(me) {
  const aks = await api("/aks");
  const mine = me.role === "staff" ? aks : aks.filter((a) => me.aks.includes(a.slug));
  const slug = param("ak") || mine[0]?.slug;
  return { ak: mine.find((a) => a.slug === slug) || mine[0], mine };
}

export async function akPage(me, { live }) {
  const { ak, mine } = await chooseAk(me);
  if (!ak) return h("p", {}, "Du är inte organisatör för någon arbetarekommun.");
  const y = year();
  const [districts, users] = await Promise.all([api(`/districts?ak=${ak.slug}`), api(`/users?ak=${ak.slug}`)]);
  const volunteers = users.filter((u) => u.role === "volunteer");
  const picker = mine.length > 1
    ? field("Arbetarekommun", h("select", { name: "ak", on: { change: (e) => { location.hash = `#/ak?ak=${e.target.value}`; } } },
      mine.map((a) => h("option", { value: a.slug, selected: a.slug === ak.slug }, a.name))))
    : "";
  const progressBox = h("div", {}, h("p", {}, "Hämtar …"));
  const drawProgress = async () => progressBox.replaceChildren(await progress(ak, y));
  drawProgress();
  live(y, { onTotals: drawProgress, onChanged: drawProgress });
  settle();

  return h("div", {}, h("h1", {}, ak.name), picker,
    h("nav", { class: "jump", "aria-label": "På sidan" }, h("ul", {},
      [["#framsteg", "Framsteg"], ["#var-knacka", "Var knackar vi nu?"], ["#inbjudan", "Bjud in"], ["#volontarer", "Volontärer"], ["#uppdrag", "Uppdrag"], ["#papper", "Papperslista"], ["#kanaler", "Arbetsplats och torg"]]
        .map(([href, label]) => h("li", {}, h("a", { href: `#/ak?ak=${ak.slug}`, "data-target": href, on: { click: (e) => { e.preventDefault(); document.querySelector(href).scrollIntoView(); } } }, label))))),
    h("section", { id: "framsteg", "aria-labelledby": "h-progress" }, h("h2", { id: "h-progress" }, `Framsteg ${y}`), progressBox),
    h("section", { id: "inbjudan", "aria-labelledby": "h-invite" }, h("h2", { id: "h-invite" }, "Bjud in volontärer"), await invites(ak)),
    h("section", { id: "volontarer", "aria-labelledby": "h-vol" }, h("h2", { id: "h-vol" }, "Volontärer"), volunteerList(volunteers)),
    h("section", { id: "uppdrag", "aria-labelledby": "h-assign" }, h("h2", { id: "h-assign" }, "Uppdrag: vem knackar var"), await assignments(ak, districts, volunteers)),
    h("section", { id: "papper", "aria-labelledby": "h-tally" }, h("h2", { id: "h-tally" }, "Papperslista: för in en räkning"), await tallies(ak, districts, y)),
    h("section", { id: "kanaler", "aria-labelledby": "h-channels" }, h("h2", { id: "h-channels" }, "Arbetsplats och torg: för in en räkning"), await channelTallies(ak, y)));
}

async function progress(ak, y) {
  const [pace, perDistrict, weeks, knock] = await Promise.all([
    api(`/totals/pace?year=${y}`), api(`/totals/districts?year=${y}&ak=${ak.slug}`), api(`/totals/weeks?year=${y}&ak=${ak.slug}`),
    api(`/totals/where-to-knock?year=${y}&ak=${ak.slug}`),
  ]);
  const row = pace.aks.find((a) => a.ak === ak.slug);
  return h("div", {},
    h("p", { class: "big-figure" }, h("span", { class: "value", id: "ak-conversations" }, fmt(row.conversations)),
      h("span", { class: "of" }, ` av ${fmt(row.conversation_goal)} samtal (${pct(row.conversations, row.conversation_goal)}) – ${row.conversations_on_track ? "i takt" : `efter takt: i takt vore ${fmt(row.conversations_expected)}`}.`)),
    h("p", {}, `${fmt(row.members)} nya medlemmar vid dörren. Medlemsmål netto ${fmt(row.member_goal)}, medlemsregistret netto ${fmt(row.member_register_net)}.`),
    goalBars(`Samtal mot målet ${y}`, [{ label: ak.name, value: row.conversations, goal: row.conversation_goal, expected: row.conversations_expected }]),
    weekBars(`Per vecka ${y}`, weeks),
    await districtMap(y, ak.slug, perDistrict, knock),
    whereToKnock(knock),
    h("div", { class: "scroll" }, h("table", { class: "figures", id: "district-table" },
      h("caption", {}, "Per valdistrikt"),
      h("thead", {}, h("tr", {}, ["Valdistrikt", "Samtal", "Dörrar", "Nya medlemmar", "Ej hemma", "Blankett"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, perDistrict.map((d) => h("tr", { "data-id": d.district_id },
        h("th", { scope: "row" }, d.name, d.prioritised ? h("span", { class: "tag" }, " prioriterat") : "",
          d.active === false ? h("span", { class: "tag" }, d.successors && d.successors.length ? ` avvecklat, nu ${d.successors.join(", ")}` : " avvecklat") : ""),
        h("td", { class: "num" }, fmt(d.conversations)), h("td", { class: "num" }, fmt(d.doors)),
        h("td", { class: "num" }, fmt(d.members)), h("td", { class: "num" }, fmt(d.not_home)),
        h("td", {}, h("a", { href: `#/blankett?district=${d.district_id}&ak=${ak.slug}` }, `Skriv ut blankett för ${d.name}`))))))));
}

// Where the next hour at the doors does most good: the AK's prioritised districts ranked by low
// turnout and low coverage, and every district's doors against its estimated households.
function whereToKnock(knock) {
  const byId = Object.fromEntries(knock.districts.map((d) => [d.district_id, d]));
  const share = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)} %`);
  const turnout = (d) => (d.turnout_pct === null ? "–" : `${String(d.turnout_pct).replace(".", ",")} %`);
  const ranked = knock.ranking.map((r) => byId[r.district_id]).filter(Boolean);
  const unranked = knock.unranked.map((id) => byId[id]).filter(Boolean);
  return h("div", { id: "var-knacka" },
    h("h3", {}, "Var knackar vi nu?"),
    ranked.length
      ? h("ol", { id: "knock-ranking" }, knock.ranking.map((r) => {
        const d = byId[r.district_id];
        return h("li", { "data-id": d.district_id }, h("strong", {}, d.plan_name || d.name),
          ` – valdeltagande ${turnout(d)}${r.turnout_assumed ? " (okänt, räknat som arbetarekommunens snitt)" : ""}, täckning ${share(d.coverage)} (${fmt(d.doors)} dörrar av cirka ${fmt(d.households_estimate)} hushåll).`);
      }))
      : h("p", {}, "Ingen rangordning än: det behövs röstberättigade per valdistrikt (distriktsimporten)."),
    unranked.length ? h("p", {}, `Kan inte rangordnas (röstberättigade saknas): ${unranked.map((d) => d.name).join(", ")}.`) : "",
    h("p", { class: "small" }, "Lågt valdeltagande och låg täckning först: där gör knackningen mest nytta. ", knock.assumption),
    h("div", { class: "scroll" }, h("table", { class: "figures", id: "coverage-table" },
      h("caption", {}, `Täckning ${knock.year} per valdistrikt`),
      h("thead", {}, h("tr", {}, ["Valdistrikt", "Dörrar", "Uppskattade hushåll", "Täckning", "Valdeltagande"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, knock.districts.map((d) => h("tr", { "data-id": d.district_id },
        h("th", { scope: "row" }, d.name, d.prioritised ? h("span", { class: "tag" }, " prioriterat") : ""),
        h("td", { class: "num" }, fmt(d.doors)),
        h("td", { class: "num" }, d.households_estimate === null ? "–" : fmt(d.households_estimate)),
        h("td", { class: "num" }, share(d.coverage)),
        h("td", { class: "num" }, turnout(d))))))));
}

async function invites(ak) {
  const label = h("input", { type: "text", name: "label", maxlength: 60, autocomplete: "off" });
  const uses = h("input", { type: "number", min: 1, max: 500, value: 1, name: "max_uses", inputmode: "numeric" });
  const days = h("input", { type: "number", min: 1, max: 7, value: 7, name: "expires_in_days", inputmode: "numeric" });
  const result = h("div", { class: "invite-result", "aria-live": "polite" });
  const list = h("ul", { class: "plain", id: "invite-list" });
  const listNote = noticeLine("invite-list");
  const error = errorLine();
  const drawList = async () => {
    const all = await api(`/invites?ak=${ak.slug}`);
    list.replaceChildren(...all.filter((i) => !i.revoked && i.uses < i.max_uses && new Date(i.expires_at) > new Date()).map((i) => {
      const name = i.label ? `”${i.label}”` : `Länk ${i.id}`;
      return h("li", { "data-id": i.id }, h("strong", {}, name), ` – för ${i.max_uses} ${i.max_uses === 1 ? "person" : "personer"}, använd ${i.uses} ${i.uses === 1 ? "gång" : "gånger"}, gäller till ${new Date(i.expires_at).toLocaleDateString("sv-SE")}. `,
        h("button", { type: "button", on: { click: async (event) => {
          // The link again (same code, same QR) right below the list entry, where the tap was.
          const item = event.currentTarget.closest("li");
          try {
            const shown = await api(`/invites/${i.id}/link`);
            item.querySelector(".invite-card")?.remove();
            item.append(inviteCard(shown, { again: true }));
            showError(error, null);
          } catch (err) { listNote.textContent = err.message; }
        } } }, `Visa länken ${name}`), " ",
        h("button", { type: "button", on: { click: async () => {
          const yes = await confirmAction({
            title: `Dra tillbaka ${name}?`,
            text: "Länken slutar fungera direkt. Den som redan har gått med är kvar.",
            yes: "Dra tillbaka länken",
          });
          if (!yes) return;
          await api(`/invites/${i.id}`, { method: "DELETE" });
          await drawList();
          listNote.textContent = `${name} är tillbakadragen.`;
        } } }, `Dra tillbaka ${name}`));
    }));
    if (!list.children.length) list.append(h("li", {}, "Inga giltiga länkar just nu."));
  };
  const form = h("form", { class: "card" },
    field("Vem är länken till? (frivilligt)", label, "Till exempel ”till Kerstin” eller ”mötet i Alafors”. Bara för dig, så att du känner igen länken."),
    field("Hur många får använda länken?", uses, "1 för en person. Fler för en grupp, till exempel på ett möte."),
    field("Giltig i antal dagar", days, "Högst 7."), error,
    h("button", { type: "submit", class: "primary" }, "Skapa inbjudan"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const count = Number(uses.value);
    const d = Number(days.value);
    if (!(count >= 1 && count <= 500)) return showError(error, new Error("Skriv ett antal mellan 1 och 500."));
    if (!(d >= 1 && d <= 7)) return showError(error, new Error("Skriv ett antal dagar mellan 1 och 7."));
    try {
      const invite = await api("/invites", { method: "POST", body: { ak: ak.slug, max_uses: count, expires_in_days: d, label: label.value.trim() || null } });
      showError(error, null);
      label.value = "";
      result.prepend(inviteCard(invite));
      drawList();
    } catch (err) { showError(error, err); }
  });
  await drawList();
  return h("div", {}, form, result, h("h3", {}, "Giltiga länkar"), listNote, list);
}

// An invite's link (new, or shown again while it is valid), the phone's share sheet where there
// is one, copying as the fallback, and the QR code.
function inviteCard(invite, { again = false } = {}) {
  const name = invite.label ? `”${invite.label}”` : `Länk ${invite.id}`;
  const id = `invite-url-${invite.id}`;
  const link = h("input", { type: "text", readonly: true, value: invite.url, id, class: "wide invite-url" });
  const said = h("p", { role: "status", class: "saved" });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(invite.url);
      said.textContent = "Länken är kopierad.";
    } catch {
      link.select();
      said.textContent = "Markera länken och kopiera den.";
    }
  };
  const share = async () => {
    try {
      await navigator.share({ title: "Knacka", text: "Här är din inbjudan till Knacka:", url: invite.url });
      said.textContent = "Delad.";
    } catch (err) {
      if (err?.name !== "AbortError") await copy();
    }
  };
  return h("div", { class: "card invite-card", "data-id": invite.id },
    h("h3", {}, again ? `Inbjudan: ${name}` : `Ny inbjudan: ${name}`),
    h("p", {}, "Dela länken eller låt personen skanna koden. Du hittar den igen under Giltiga länkar så länge den gäller."),
    h("label", { for: id }, "Inbjudningslänk"), link,
    navigator.share ? h("button", { type: "button", class: "primary", on: { click: share } }, "Dela länken") : "",
    h("button", { type: "button", on: { click: copy } }, "Kopiera länken"), said,
    h("img", { class: "qr", alt: `QR-kod med inbjudningslänken ${name}`, src: svgImageUrl(invite.qr_svg) }));
}

function volunteerList(volunteers) {
  if (!volunteers.length) return h("p", {}, "Inga volontärer än. Skapa en inbjudan ovan.");
  return h("ul", { class: "people" }, volunteers.map((u) => {
    const name = h("input", { type: "text", value: u.name, maxlength: 80, "aria-label": `Nytt namn för ${u.name}` });
    const error = errorLine();
    const state = h("span", { role: "status" });
    const act = async (path, body, method, done) => {
      try { await api(path, { method, body }); showError(error, null); state.textContent = done; return true; } catch (err) { showError(error, err); return false; }
    };
    const confirm = h("span", { hidden: true, class: "confirm" }, "Namnet tas bort för alltid; loggarna blir anonyma. ",
      h("button", { type: "button", class: "danger", on: { click: () => act(`/users/${u.id}/erase`, undefined, "POST", "Borttagen.").then(reload) } }, `Ja, ta bort ${u.name}`),
      h("button", { type: "button", on: { click: () => { confirm.hidden = true; } } }, "Avbryt"));
    // Switching on or off redraws the list, so the "Avstängd" tag and the button follow.
    const onOff = u.disabled
      ? h("button", { type: "button", on: { click: () => act(`/users/${u.id}`, { disabled: false }, "PATCH", "Påslagen.").then((ok) => ok && reload()) } }, "Slå på")
      : h("button", { type: "button", on: { click: () => act(`/users/${u.id}`, { disabled: true }, "PATCH", "Avstängd.").then((ok) => ok && reload()) } }, "Stäng av");
    return h("li", { "data-id": u.id, "data-disabled": u.disabled ? "true" : false }, name,
      u.disabled ? h("span", { class: "tag" }, "Avstängd") : "",
      h("button", { type: "button", on: { click: () => act(`/users/${u.id}`, { name: name.value }, "PATCH", "Namnet är sparat.") } }, "Byt namn"),
      onOff,
      h("button", { type: "button", on: { click: () => { confirm.hidden = false; } } }, "Ta bort"), confirm, state, error);
  }));
}

async function assignments(ak, districts, volunteers) {
  const current = await api(`/assignments?ak=${ak.slug}`);
  const who = h("select", { name: "user_id" }, h("option", { value: "" }, "Välj volontär"), volunteers.map((u) => h("option", { value: u.id }, u.name)));
  const where = h("select", { name: "district_id" }, h("option", { value: "" }, "Välj valdistrikt"), districts.map((d) => h("option", { value: d.id }, d.name)));
  const from = h("input", { type: "date", name: "starts_on", value: isoToday() });
  const to = h("input", { type: "date", name: "ends_on" });
  const error = errorLine();
  const form = h("form", { class: "card" }, field("Volontär", who), field("Valdistrikt", where),
    field("Från och med", from), field("Till och med (frivillig)", to, "Lämna tomt för bara en dag – eller fyll i för en period."), error,
    h("button", { type: "submit", class: "primary" }, "Ge uppdraget"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!who.value) return showError(error, new Error("Välj en volontär."));
    if (!where.value) return showError(error, new Error("Välj ett valdistrikt."));
    const body = { user_id: Number(who.value), district_id: Number(where.value) };
    if (from.value) body.starts_on = from.value;
    body.ends_on = to.value || from.value || undefined;
    try {
      await api("/assignments", { method: "POST", body });
      reloadWith("uppdrag", `Uppdraget är sparat: ${who.selectedOptions[0].text} i ${where.selectedOptions[0].text}.`);
    } catch (err) { showError(error, err); }
  });
  const span = (a) => (a.starts_on ? (a.ends_on && a.ends_on !== a.starts_on ? `${a.starts_on} – ${a.ends_on}` : a.starts_on) : "tills vidare");
  const remove = async (a) => {
    const yes = await confirmAction({
      title: "Ta bort uppdraget?",
      text: `${a.user.name} ser inte längre ${a.district.name} som sitt uppdrag. Loggarna finns kvar.`,
      yes: "Ta bort uppdraget",
    });
    if (!yes) return;
    await api(`/assignments/${a.id}`, { method: "DELETE" });
    reloadWith("uppdrag", `Uppdraget ${a.user.name}: ${a.district.name} är borttaget.`);
  };
  return h("div", {}, form, noticeLine("uppdrag"), h("ul", { class: "plain", id: "assignment-list" }, current.length
    ? current.map((a) => h("li", {}, `${a.user.name}: ${a.district.name}, ${span(a)} `,
      h("button", { type: "button", "aria-label": `Ta bort uppdraget ${a.user.name}: ${a.district.name}`, on: { click: () => remove(a) } }, "Ta bort uppdraget")))
    : h("li", {}, "Inga uppdrag än.")));
}

const TALLY_FIELDS = [
  ["conversation", "Samtal"], ["not_home", "Ej hemma"], ["declined", "Nej tack"],
  ["no_access", "Kom inte in"], ["new_members", "Nya medlemmar"], ["left_material", "Lämnat material"],
];

async function tallies(ak, districts, y) {
  const list = await api(`/tallies?ak=${ak.slug}&year=${y}`);
  const names = Object.fromEntries(districts.map((d) => [d.id, d.name]));
  const where = h("select", { name: "district_id" }, h("option", { value: "" }, "Välj valdistrikt"), districts.map((d) => h("option", { value: d.id }, d.name)));
  const day = h("input", { type: "date", name: "date", value: isoToday() });
  const inputs = TALLY_FIELDS.map(([key, label]) => [key, field(label, h("input", { type: "number", min: 0, max: 5000, value: 0, name: key, inputmode: "numeric" }))]);
  const error = errorLine();
  const form = h("form", { class: "card" }, field("Valdistrikt", where), field("Datum", day),
    h("div", { class: "grid" }, inputs.map(([, f]) => f)), error,
    h("button", { type: "submit", class: "primary" }, "Spara räkningen"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!where.value) return showError(error, new Error("Välj ett valdistrikt."));
    if (!day.value) return showError(error, new Error("Välj ett datum."));
    const body = { district_id: Number(where.value), date: day.value };
    for (const [key, f] of inputs) body[key] = Number(f.querySelector("input").value || 0);
    try {
      await api("/tallies", { method: "POST", body });
      showError(error, null);
      reloadWith("papper", `Räkningen är sparad för ${where.selectedOptions[0].text} ${day.value}: ${tallyWords(body)}.`);
    } catch (err) { showError(error, err); }
  });
  const strike = async (t) => {
    const what = `${t.date}, ${names[t.district_id] || "valdistrikt"}`;
    const yes = await confirmAction({
      title: "Stryka räkningen?",
      text: `Räkningen ${what} (${tallyWords(t)}) räknas inte längre i siffrorna.`,
      yes: "Stryk räkningen",
    });
    if (!yes) return;
    await api(`/tallies/${t.id}/void`, { method: "POST" });
    reloadWith("papper", `Räkningen ${what} är struken.`);
  };
  return h("div", {}, form, noticeLine("papper"), h("ul", { class: "plain", id: "tally-list" },
    list.filter((t) => !t.voided_at).map((t) => h("li", {},
      `${t.date}, ${names[t.district_id] || "valdistrikt"}: ${tallyWords(t)} `,
      h("button", { type: "button", "aria-label": `Stryk räkningen ${t.date}, ${names[t.district_id] || "valdistrikt"}`, on: { click: () => strike(t) } }, "Stryk")))));
}

// Workplace visits and stalls: an AK and a date, never a place or an employer (what is said at
// a workplace can reveal union membership). Counted beside Bilaga 1, new members as recruits.
const CHANNELS = { workplace: "Arbetsplatsbesök", stall: "Torg, stånd eller evenemang" };
const channelWords = (t) => `${n(t.conversation, "samtal", "samtal")}, ${fmt(t.declined)} nej tack, ${n(t.new_members, "ny medlem", "nya medlemmar")}`;

async function channelTallies(ak, y) {
  const [list, campaigns] = await Promise.all([api(`/channel-tallies?ak=${ak.slug}&year=${y}`), api("/campaigns")]);
  const mine = campaigns.filter((c) => c.aks === null || c.aks.includes(ak.slug));
  const channel = h("select", { name: "channel" }, Object.entries(CHANNELS).map(([v, label]) => h("option", { value: v }, label)));
  const day = h("input", { type: "date", name: "channel-date", value: isoToday() });
  const campaign = h("select", { name: "channel-campaign" }, h("option", { value: "" }, "Ingen kampanj"),
    mine.map((c) => h("option", { value: c.id }, c.name)));
  const number = (name) => h("input", { type: "number", min: 0, max: 2000, value: 0, name, inputmode: "numeric" });
  const conv = number("channel-conversation");
  const declined = number("channel-declined");
  const members = number("channel-new-members");
  const error = errorLine();
  const form = h("form", { class: "card" }, field("Var", channel, "Skriv aldrig ut arbetsplatsens eller platsens namn."),
    field("Datum", day), field("Kampanj", campaign),
    h("div", { class: "grid" }, field("Samtal", conv), field("Nej tack", declined), field("Nya medlemmar", members)), error,
    h("button", { type: "submit", class: "primary" }, "Spara för arbetsplats eller torg"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!day.value) return showError(error, new Error("Välj ett datum."));
    const body = {
      ak: ak.slug, channel: channel.value, date: day.value,
      conversation: Number(conv.value || 0), declined: Number(declined.value || 0), new_members: Number(members.value || 0),
    };
    if (campaign.value) body.campaign_id = Number(campaign.value);
    try {
      await api("/channel-tallies", { method: "POST", body });
      showError(error, null);
      reloadWith("kanaler", `Räkningen är sparad: ${CHANNELS[body.channel]} ${day.value}, ${channelWords(body)}.`);
    } catch (err) { showError(error, err); }
  });
  const strike = async (t) => {
    const what = `${t.date}, ${CHANNELS[t.channel]}`;
    const yes = await confirmAction({
      title: "Stryka räkningen?", text: `Räkningen ${what} (${channelWords(t)}) räknas inte längre i siffrorna.`, yes: "Stryk räkningen",
    });
    if (!yes) return;
    await api(`/channel-tallies/${t.id}/void`, { method: "POST" });
    reloadWith("kanaler", `Räkningen ${what} är struken.`);
  };
  return h("div", {}, form, noticeLine("kanaler"), h("ul", { class: "plain", id: "channel-tally-list" },
    list.filter((t) => !t.voided_at).map((t) => h("li", { "data-tally-id": t.id },
      `${t.date}, ${CHANNELS[t.channel]}: ${channelWords(t)} `,
      h("button", { type: "button", "aria-label": `Stryk räkningen ${t.date}, ${CHANNELS[t.channel]}`, on: { click: () => strike(t) } }, "Stryk")))));
}

export async function tallySheet(me) {
  const { ak } = await chooseAk(me);
  const id = Number(param("district"));
  const districts = await api(`/districts?ak=${ak.slug}`);
  const d = districts.find((x) => x.id === id);
  if (!d) return h("p", {}, "Välj ett valdistrikt på arbetarekommunens sida.");
  const columns = ["Samtal", "Ej hemma", "Nej tack", "Kom inte in", "Ny medlem", "Lämnat material"];
  return h("article", { class: "sheet" },
    h("div", { class: "no-print" }, h("a", { href: `#/ak?ak=${ak.slug}` }, "Tillbaka"), " ",
      h("button", { type: "button", class: "primary", on: { click: () => window.print() } }, "Skriv ut")),
    h("h1", {}, `Räknelista: ${d.name}`),
    h("p", {}, `${ak.name} · valdistrikt ${d.code}${d.prioritised ? " · prioriterat" : ""}`),
    h("p", {}, "Datum: ________________   Namn: ______________________________"),
    h("p", { class: "small" }, "Sätt ett streck per dörr i rätt kolumn. Skriv aldrig adress, namn eller vad någon tycker. Lämna listan till din organisatör."),
    h("table", { class: "tally" }, h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, Array.from({ length: 12 }, () => h("tr", {}, columns.map(() => h("td", {}))))),
      h("tfoot", {}, h("tr", {}, columns.map(() => h("td", {}, "Summa:"))))));
}
