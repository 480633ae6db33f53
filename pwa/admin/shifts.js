// Knackpass for the AK's organisers (and staff): upcoming and past shifts with who signed up,
// create / edit / cancel, the sign-up link (share, copy, QR), a printable shift sheet with a
// paper tally grid, no-shows after the shift, retention per month and who has not been out
// for a while. Names are shown here only because the server sends them to organisers.

import { confirmAction } from "../shared/confirm.js";
import { h } from "../shared/dom.js";
import { fmt } from "../shared/format.js";
import { api } from "./api.js";
import { errorLine, field, isoToday, showError, svgImageUrl } from "./dom.js";
import { param } from "./hash.js";

const TZ = "Europe/Stockholm";
const dayText = (iso) =>
  new Intl.DateTimeFormat("sv-SE", { timeZone: TZ, weekday: "long", day: "numeric", month: "long" }).format(new Date(iso));
const timeText = (iso) => new Intl.DateTimeFormat("sv-SE", { timeZone: TZ, hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
const localDate = (iso) => new Intl.DateTimeFormat("sv-SE", { timeZone: TZ }).format(new Date(iso));
const when = (s) => `${dayText(s.starts_at)} kl. ${timeText(s.starts_at)}–${timeText(s.ends_at)}`;
const share = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)} %`);
const MEETING_HINT =
  "En offentlig plats, till exempel ett torg, en busshållplats eller utanför biblioteket. Aldrig någons hemadress.";

const TALLY = [
  ["conversation", "Samtal"], ["not_home", "Ej hemma"], ["declined", "Nej tack"],
  ["no_access", "Kom inte in"], ["new_members", "Nya medlemmar"], ["left_material", "Lämnat material"],
];

async function theAk(me) {
  const aks = await api("/aks");
  const mine = me.role === "staff" ? aks : aks.filter((a) => me.aks.includes(a.slug));
  const slug = param("ak") || mine[0]?.slug;
  return { ak: mine.find((a) => a.slug === slug) || mine[0], mine };
}

const go = (hash) => {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
};

export async function shiftsPage(me) {
  const { ak, mine } = await theAk(me);
  if (!ak) return h("p", {}, "Du är inte organisatör för någon arbetarekommun.");
  if (param("shift")) return shiftView(ak, Number(param("shift")));
  const [list, districts, users, retention, quiet] = await Promise.all([
    api(`/shifts?ak=${ak.slug}`), api(`/districts?ak=${ak.slug}`), api(`/users?ak=${ak.slug}`),
    api(`/shifts/retention?ak=${ak.slug}`), api(`/shifts/inactive?ak=${ak.slug}`),
  ]);
  const now = Date.now();
  const upcoming = list.filter((s) => Date.parse(s.ends_at) > now).reverse();
  const past = list.filter((s) => Date.parse(s.ends_at) <= now);
  const picker = mine.length > 1
    ? field("Arbetarekommun", h("select", { name: "ak", on: { change: (e) => { location.hash = `#/pass?ak=${e.target.value}`; } } },
      mine.map((a) => h("option", { value: a.slug, selected: a.slug === ak.slug }, a.name))))
    : "";
  return h("div", {}, h("h1", {}, `Knackpass – ${ak.name}`), picker,
    h("section", { "aria-labelledby": "h-upcoming" }, h("h2", { id: "h-upcoming" }, "Kommande pass"), shiftList(ak, upcoming, "Inga kommande pass. Skapa ett nedan.")),
    h("section", { "aria-labelledby": "h-new" }, h("h2", { id: "h-new" }, "Nytt knackpass"), shiftForm(ak, districts, users, null)),
    h("section", { "aria-labelledby": "h-past" }, h("h2", { id: "h-past" }, "Tidigare pass"), shiftList(ak, past, "Inga pass har varit än.")),
    h("section", { "aria-labelledby": "h-retention" }, h("h2", { id: "h-retention" }, "Kommer de tillbaka?"), retentionTable(retention)),
    h("section", { "aria-labelledby": "h-quiet" }, h("h2", { id: "h-quiet" }, "Har inte varit ute på länge"),
      h("p", { class: "small" }, "Har anmält sig till ett pass förut, men inte knackat eller anmält sig på 30 dagar. Hör gärna av dig till dem. Listan syns bara för arbetarekommunens organisatörer."),
      quiet.length
        ? h("ul", { class: "plain", id: "quiet-list" }, quiet.map((p) => h("li", {}, h("strong", {}, p.name), ` – senast ute ${p.last_out}`)))
        : h("p", { id: "quiet-list" }, "Ingen – alla har varit ute den senaste månaden.")),
    me.role === "staff" ? await reminderTimes() : "");
}

// Staff set when reminders go out before a shift (for every AK): hours before the start, up to
// three, none for no reminders (a cancelled or moved shift is still told).
async function reminderTimes() {
  const { lead_minutes: current } = await api("/push/key");
  const hours = h("input", {
    type: "text", name: "lead-hours", inputmode: "numeric", autocomplete: "off",
    value: current.map((m) => String(m / 60).replace(".", ",")).join(", "),
  });
  const error = errorLine();
  const saved = h("p", { role: "status", class: "saved", id: "lead-saved" });
  const form = h("form", { class: "card" },
    field("Timmar före passet", hours, "Upp till tre tider, t.ex. ”24, 1”. Lämna tomt för inga påminnelser."),
    error, h("button", { type: "submit", class: "primary" }, "Spara påminnelserna"), saved);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // Times apart by ", ", ";" or spaces; a comma inside a number is a decimal comma ("1,5").
    const parts = hours.value.trim().split(/\s*;\s*|,\s+|\s+/).filter(Boolean);
    const values = parts.map((x) => Number(x.replace(",", ".")));
    const minutes = values.map((x) => Math.round(x * 60));
    if (minutes.length > 3 || minutes.some((m) => !(m >= 10 && m <= 7 * 24 * 60))) {
      return showError(error, new Error("Skriv upp till tre tider mellan 10 minuter (0,2) och 168 timmar."));
    }
    try {
      const stored = await api("/push/lead-times", { method: "PUT", body: { lead_minutes: minutes } });
      showError(error, null);
      saved.textContent = stored.lead_minutes.length
        ? `Sparat. Påminnelser ${stored.lead_minutes.map((m) => `${String(m / 60).replace(".", ",")} h`).join(" och ")} före passet.`
        : "Sparat. Inga påminnelser skickas.";
    } catch (err) { showError(error, err); }
  });
  return h("section", { "aria-labelledby": "h-reminders" }, h("h2", { id: "h-reminders" }, "Påminnelser (alla arbetarekommuner)"),
    h("p", { class: "small" }, "Den som har slagit på påminnelser i appen får ett neutralt meddelande så här långt före passet."), form);
}

function shiftList(ak, shifts, empty) {
  if (!shifts.length) return h("p", {}, empty);
  return h("ul", { class: "plain shift-list" }, shifts.map((s) => h("li", { "data-id": s.id },
    h("a", { href: `#/pass?ak=${ak.slug}&shift=${s.id}` }, `${when(s)}, ${s.meeting_point}`),
    s.cancelled ? h("span", { class: "tag" }, " inställt") : "",
    ` – ${fmt(s.signed_up)} av ${fmt(s.capacity)} anmälda`,
    s.signups?.length ? h("span", { class: "small" }, `: ${s.signups.map((p) => p.name).join(", ")}`) : "")));
}

function retentionTable(rows) {
  if (!rows.length) return h("p", {}, "Siffrorna kommer när de första passen har varit.");
  return h("div", {}, h("div", { class: "scroll" }, h("table", { class: "figures", id: "retention-table" },
    h("caption", {}, "Per månad"),
    h("thead", {}, h("tr", {}, ["Månad", "Pass", "Nya volontärer", "Tillbaka inom 30 dagar", "Aktiva per vecka", "Uteblev"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {},
      h("th", { scope: "row" }, r.month, r.final ? "" : h("span", { class: "tag" }, " preliminärt")),
      h("td", { class: "num" }, fmt(r.shifts)),
      h("td", { class: "num" }, fmt(r.new_volunteers)),
      h("td", { class: "num" }, r.new_volunteers ? `${fmt(r.returned)} (${share(r.return_share)})` : "–"),
      h("td", { class: "num" }, r.active_per_week === null ? "–" : String(r.active_per_week).replace(".", ",")),
      h("td", { class: "num" }, r.signed_up ? `${fmt(r.no_shows)} av ${fmt(r.signed_up)} (${share(r.no_show_rate)})` : "–")))))),
  h("p", { class: "small" }, "Ny volontär: kom till sitt första pass den månaden. Tillbaka: kom till ett pass till inom 30 dagar. Uteblev: anmälda som varken checkades in eller loggade under passet. En månad blir slutlig 30 dagar efter att den tagit slut, och sparas då som antal."));
}

// Create (shift null) or edit: the same fields and the same rules on the server.
function shiftForm(ak, districts, users, shift) {
  const dayInput = h("input", { type: "date", name: "day", required: true, value: shift ? localDate(shift.starts_at) : isoToday() });
  const from = h("input", { type: "time", name: "from", required: true, value: shift ? timeText(shift.starts_at) : "10:00" });
  const to = h("input", { type: "time", name: "to", required: true, value: shift ? timeText(shift.ends_at) : "13:00" });
  const place = h("input", { type: "text", name: "meeting_point", maxlength: 120, required: true, autocomplete: "off", value: shift?.meeting_point || "" });
  const capacity = h("input", { type: "number", name: "capacity", min: 1, max: 100, inputmode: "numeric", value: shift?.capacity ?? "" });
  const leaders = users.filter((u) => u.role === "volunteer" || u.role === "organiser");
  const leader = h("select", { name: "leader_id" }, h("option", { value: "" }, "Ingen passledare"),
    leaders.map((u) => h("option", { value: u.id, selected: shift?.leader_id === u.id }, u.name)));
  const note = h("input", { type: "text", name: "note", maxlength: 200, autocomplete: "off", value: shift?.note || "" });
  const chosen = new Set(shift?.district_ids || []);
  const boxes = districts.filter((d) => d.active !== false).map((d) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "district", value: d.id, checked: chosen.has(d.id) }), ` ${d.name}`));
  const error = errorLine();
  const form = h("form", { class: "card", novalidate: true, id: shift ? "shift-edit" : "shift-new" },
    h("div", { class: "grid" }, field("Dag", dayInput), field("Från", from), field("Till", to)),
    field("Samlingsplats", place, MEETING_HINT),
    h("fieldset", {}, h("legend", {}, "Valdistrikt"), boxes),
    field("Antal platser (frivilligt)", capacity, "Lämna tomt för 30. Högst 100."),
    field("Passledare (frivilligt)", leader, "Passledaren ser vilka som kommer och checkar in dem."),
    field("Meddelande (frivilligt)", note, "Till exempel ”Ta med vattenflaska”. Syns för alla som anmäler sig."),
    error, h("button", { type: "submit", class: "primary" }, shift ? "Spara ändringarna" : "Skapa passet"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = boxes.map((b) => b.querySelector("input")).filter((b) => b.checked).map((b) => Number(b.value));
    if (!dayInput.value || !from.value || !to.value) return showError(error, new Error("Fyll i dag och tider."));
    if (place.value.trim().length < 2) return showError(error, new Error("Skriv var ni ses – en offentlig plats."));
    if (!picked.length) return showError(error, new Error("Välj minst ett valdistrikt."));
    const starts = new Date(`${dayInput.value}T${from.value}`);
    const ends = new Date(`${dayInput.value}T${to.value}`);
    if (!(ends > starts)) return showError(error, new Error("Passet måste sluta efter att det börjar."));
    const body = {
      starts_at: starts.toISOString(), ends_at: ends.toISOString(), meeting_point: place.value.trim(),
      district_ids: picked, capacity: capacity.value ? Number(capacity.value) : null,
      leader_id: leader.value ? Number(leader.value) : null, note: note.value.trim() || null,
    };
    try {
      const saved = shift
        ? await api(`/shifts/${shift.id}`, { method: "PATCH", body })
        : await api("/shifts", { method: "POST", body: { ...body, ak: ak.slug } });
      showError(error, null);
      go(`#/pass?ak=${ak.slug}&shift=${saved.id}`);
    } catch (err) { showError(error, err); }
  });
  return form;
}

async function shiftView(ak, id) {
  const [shift, districts, users, summary] = await Promise.all([
    api(`/shifts/${id}`), api(`/districts?ak=${ak.slug}`), api(`/users?ak=${ak.slug}`), api(`/shifts/${id}/summary`),
  ]);
  const names = Object.fromEntries(districts.map((d) => [d.id, d.name]));
  const over = Date.parse(shift.ends_at) <= Date.now();
  const people = shift.signups || [];
  const leaderName = users.find((u) => u.id === shift.leader_id)?.name;
  const cancel = async () => {
    const yes = await confirmAction({
      title: "Ställa in passet?",
      text: `${fmt(shift.signed_up)} har anmält sig. Passet visas som inställt för dem, och länken tar inte emot fler.`,
      yes: "Ställ in passet",
    });
    if (!yes) return;
    await api(`/shifts/${id}`, { method: "DELETE" });
    go(`#/pass?ak=${ak.slug}&shift=${id}`);
  };
  return h("div", {},
    h("p", { class: "no-print" }, h("a", { href: `#/pass?ak=${ak.slug}` }, "Alla knackpass")),
    h("h1", {}, `Knackpass ${when(shift)}`),
    shift.cancelled ? h("p", { class: "error", role: "status" }, "Passet är inställt.") : "",
    h("dl", { class: "facts" },
      h("dt", {}, "Samlingsplats"), h("dd", { id: "shift-place" }, shift.meeting_point),
      h("dt", {}, "Valdistrikt"), h("dd", {}, shift.district_ids.map((d) => names[d] || d).join(", ")),
      h("dt", {}, "Passledare"), h("dd", {}, leaderName || "Ingen"),
      h("dt", {}, "Platser"), h("dd", { id: "shift-places" }, `${fmt(shift.signed_up)} av ${fmt(shift.capacity)} anmälda`),
      shift.note ? [h("dt", {}, "Meddelande"), h("dd", {}, shift.note)] : ""),
    h("p", {}, h("a", { href: `#/passlapp?ak=${ak.slug}&shift=${id}`, class: "button" }, "Skriv ut passlapp med räknelista")),
    shift.cancelled || over ? "" : linkCard(shift),
    h("section", { "aria-labelledby": "h-signups" }, h("h2", { id: "h-signups" }, `Anmälda (${fmt(people.length)})`),
      people.length
        ? h("ul", { class: "plain", id: "signup-list" }, people.map((p) => h("li", {}, p.name,
          p.newcomer ? h("span", { class: "tag" }, " ny") : "", p.checked_in ? h("span", { class: "tag" }, " incheckad") : "")))
        : h("p", { id: "signup-list" }, "Ingen har anmält sig än. Dela länken!")),
    over || summary.came || summary.doors ? afterShift(summary, shift, over) : "",
    over && !shift.cancelled ? shiftTally(ak, shift, names) : "",
    shift.cancelled || over ? "" : h("section", { "aria-labelledby": "h-edit" }, h("h2", { id: "h-edit" }, "Ändra eller flytta passet"),
      shiftForm(ak, districts, users, shift),
      h("button", { type: "button", class: "danger", on: { click: cancel } }, "Ställ in passet")));
}

// The sign-up link: the phone's share sheet where there is one, copying otherwise, and the QR.
function linkCard(shift) {
  const said = h("p", { role: "status", class: "saved" });
  const link = h("input", { type: "text", readonly: true, value: shift.signup_url, id: "signup-url", class: "wide invite-url" });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shift.signup_url);
      said.textContent = "Länken är kopierad.";
    } catch {
      link.select();
      said.textContent = "Markera länken och kopiera den.";
    }
  };
  const shareLink = async () => {
    if (!navigator.share) return copy();
    try {
      await navigator.share({ title: "Knackpass", text: `Knacka dörr med oss ${when(shift)}. Anmäl dig här:`, url: shift.signup_url });
      said.textContent = "Delad.";
    } catch (err) {
      if (err?.name !== "AbortError") await copy();
    }
  };
  return h("section", { class: "card", "aria-labelledby": "h-link" },
    h("h2", { id: "h-link" }, "Anmälningslänk"),
    h("p", {}, "Dela länken eller visa QR-koden. Den som är ny skriver sitt förnamn och är anmäld direkt. Länken gäller tills passet är slut."),
    h("label", { for: "signup-url" }, "Länk till passet"), link,
    h("button", { type: "button", class: "primary", on: { click: shareLink } }, "Dela länken"),
    h("button", { type: "button", on: { click: copy } }, "Kopiera länken"), said,
    shift.qr_svg ? h("img", { class: "qr", alt: "QR-kod med anmälningslänken", src: svgImageUrl(shift.qr_svg) }) : "");
}

// The shift's figures: so far during it, and after it who did not come.
function afterShift(s, shift, over) {
  const rows = [
    ["Anmälda", s.signed_up], ["Kom", s.came], ["Första gången", s.first_timers], ["Dörrar", s.doors],
    ["Samtal", s.conversations], ["Nya medlemmar", s.members],
  ];
  return h("section", { "aria-labelledby": "h-after" }, h("h2", { id: "h-after" }, over ? "Efter passet" : "Passet hittills"),
    h("dl", { class: "facts", id: "shift-summary" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, fmt(v))]),
      h("dt", {}, "Dörrar per timme"), h("dd", {}, s.doors_per_hour === null ? "–" : String(s.doors_per_hour).replace(".", ",")),
      s.paper?.doors ? [h("dt", {}, "Varav från papper"), h("dd", {}, `${fmt(s.paper.doors)} dörrar`)] : ""),
    over ? h("h3", {}, "Kom inte") : "",
    !over ? "" : s.no_shows?.length
      ? h("ul", { class: "plain", id: "no-shows" }, s.no_shows.map((p) => h("li", {}, p.name)))
      : h("p", { id: "no-shows" }, shift.signed_up ? "Alla anmälda kom." : "Ingen var anmäld."));
}

// A paper tally filled in on the shift: it counts in the shift's figures and the AK's.
function shiftTally(ak, shift, names) {
  const where = h("select", { name: "district_id" }, shift.district_ids.map((d) => h("option", { value: d }, names[d] || d)));
  const inputs = TALLY.map(([key, label]) => [key, h("input", { type: "number", min: 0, max: 5000, value: 0, name: key, inputmode: "numeric" }), label]);
  const error = errorLine();
  const form = h("form", { class: "card", novalidate: true, id: "shift-tally" }, field("Valdistrikt", where),
    h("div", { class: "grid" }, inputs.map(([, input, label]) => field(label, input))), error,
    h("button", { type: "submit", class: "primary" }, "Spara räkningen"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { district_id: Number(where.value), date: localDate(shift.starts_at), shift_id: shift.id };
    for (const [key, input] of inputs) body[key] = Number(input.value || 0);
    try {
      await api("/tallies", { method: "POST", body });
      go(`#/pass?ak=${ak.slug}&shift=${shift.id}`);
    } catch (err) { showError(error, err); }
  });
  return h("section", { "aria-labelledby": "h-shift-tally" }, h("h2", { id: "h-shift-tally" }, "För in passlappens räknelista"), form);
}

// The A4 shift sheet: time, place, districts, who signed up (tick who came) and a tally grid.
export async function shiftSheet(me) {
  const { ak } = await theAk(me);
  const id = Number(param("shift"));
  const [shift, districts] = await Promise.all([api(`/shifts/${id}`), api(`/districts?ak=${ak.slug}`)]);
  const names = Object.fromEntries(districts.map((d) => [d.id, d.name]));
  const columns = ["Valdistrikt", "Samtal", "Ej hemma", "Nej tack", "Kom inte in", "Ny medlem", "Lämnat material"];
  const people = shift.signups || [];
  const blanks = Math.max(0, 8 - people.length);
  return h("article", { class: "sheet shift-sheet" },
    h("div", { class: "no-print" }, h("a", { href: `#/pass?ak=${ak.slug}&shift=${id}` }, "Tillbaka"), " ",
      h("button", { type: "button", class: "primary", on: { click: () => window.print() } }, "Skriv ut")),
    h("h1", {}, `Knackpass ${when(shift)}`),
    h("p", {}, `${ak.name} · Samling: ${shift.meeting_point}`),
    h("p", {}, `Valdistrikt: ${shift.district_ids.map((d) => names[d] || d).join(", ")}`),
    h("h2", {}, "Vilka kom?"),
    h("table", { class: "tally names" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Namn"), h("th", { scope: "col" }, "Kom"))),
      h("tbody", {}, people.map((p) => h("tr", {}, h("td", {}, p.name), h("td", {}))),
        Array.from({ length: blanks }, () => h("tr", {}, h("td", {}), h("td", {}))))),
    h("h2", {}, "Räknelista"),
    h("p", { class: "small" }, "Sätt ett streck per dörr i rätt kolumn. Skriv aldrig adress, namn eller vad någon tycker. Lämna listan till din organisatör."),
    h("table", { class: "tally" }, h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, shift.district_ids.flatMap((d) => [0, 1].map(() => h("tr", {}, h("th", { scope: "row" }, names[d] || d), columns.slice(1).map(() => h("td", {})))))),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, "Summa"), columns.slice(1).map(() => h("td", {}))))));
}
