// Knackpass on the phone: the sign-up link's page ("Jag kommer"), the shift screen (its
// districts, the calendar file, check-in for the leader, the thank-you after), the home card
// of the next shift, and which shift a new log belongs to.

import { ApiError } from "../shared/api-error.js";
import { h, replace } from "../shared/dom.js";
import { getJson, postJson, send, signedIn } from "./api.js";
import { refresh, storeToken } from "./data.js";
import { kvDelete, kvGet, kvSet } from "./db.js";
import { joinNotice } from "./join-notice.js";
import { outbox } from "./outbox.js";
import { hhmm, plural } from "./ui.js";

const day = new Intl.DateTimeFormat("sv-SE", { weekday: "long", day: "numeric", month: "long", timeZone: "Europe/Stockholm" });
export const when = (s) => `${day.format(new Date(s.starts_at))} kl. ${hhmm(s.starts_at)}–${hhmm(s.ends_at)}`;
// A log this close to a shift's time may belong to it (the server checks again).
const SLACK_MS = 2 * 3600 * 1000;

const REFUSAL = {
  shift_full: "Passet är fullt.",
  shift_cancelled: "Passet är inställt.",
  shift_over: "Passet är redan slut.",
  invite_expired: "Passet är redan slut.",
  invite_invalid: "Länken fungerar inte. Be om en ny.",
};
const say = (failure) =>
  failure instanceof ApiError && failure.kind === "network"
    ? "Du är offline. Anslut till nätet och försök igen."
    : REFUSAL[failure?.code] || "Något gick fel. Försök igen om en stund.";

const live = (s, now = Date.now()) => !s.cancelled && Date.parse(s.ends_at) > now;

// The shift a log in this district belongs to now, from the phone's copy of "my shifts".
export function shiftFor(data, districtId, now = Date.now()) {
  const found = (data?.shifts || []).find(
    (s) =>
      !s.cancelled &&
      s.district_ids.includes(districtId) &&
      Date.parse(s.starts_at) - SLACK_MS <= now &&
      now <= Date.parse(s.ends_at) + SLACK_MS,
  );
  return found ? found.id : null;
}

export function nextShift(data, now = Date.now()) {
  return (data?.shifts || []).filter((s) => live(s, now)).sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at))[0];
}

const districtName = (data, id) => (data?.districts || []).find((d) => d.district.id === id)?.district.name || `Valdistrikt ${id}`;

function districtLinks(data, s) {
  return h(
    "ul",
    { class: "district-list" },
    s.district_ids.map((id) =>
      h("li", {}, h("a", { href: `/d/${id}`, "data-link": true, class: "district-link" }, h("span", { class: "district-name" }, districtName(data, id)))),
    ),
  );
}

// Home: the next shift, and its districts one tap away.
export function nextShiftCard(app) {
  const s = nextShift(app.data);
  if (!s) return null;
  return h(
    "section",
    { class: "card", id: "next-shift", "aria-labelledby": "next-shift-title" },
    h("h2", { id: "next-shift-title" }, Date.parse(s.starts_at) <= Date.now() ? "Ditt knackpass pågår" : "Ditt nästa knackpass"),
    h("p", { class: "shift-when" }, when(s)),
    h("p", {}, `Samling: ${s.meeting_point}`),
    districtLinks(app.data, s),
    h("a", { href: `/pass/${s.id}`, "data-link": true, class: "btn btn-wide" }, "Visa passet"),
  );
}

// /join/CODE when the code is a shift's: what, when, where, and "Jag kommer".
export async function shiftLinkScreen(app, code) {
  let info;
  try {
    info = await getJson(`/api/shifts/link/${encodeURIComponent(code)}`, { token: null, timeout: 8000 });
  } catch {
    return null; // not a shift's code (or offline): the invite screen it is
  }
  const me = (await signedIn()) && !(await kvGet("auth_expired")) ? app.data?.me : null;
  const error = h("div", { class: "banner banner-error", role: "alert", hidden: true });
  const fail = (failure, button, label) => {
    button.textContent = label;
    button.disabled = false;
    replace(error, say(failure));
    error.hidden = false;
  };
  const done = async (shiftId) => {
    await refresh();
    await app.reloadData();
    app.navigate(`/pass/${shiftId}`, { replace: true });
  };
  let action;
  if (info.cancelled || info.over || info.full) {
    action = h("p", { class: "banner banner-info", id: "shift-closed" }, info.cancelled ? REFUSAL.shift_cancelled : info.over ? REFUSAL.shift_over : "Passet är fullt. Fråga den som skickade länken om det finns fler pass.");
  } else if (me) {
    const button = h("button", { type: "button", class: "btn btn-primary btn-wide", id: "shift-yes" }, "Jag kommer");
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = "Anmäler …";
      try {
        await postJson(`/api/shifts/link/${encodeURIComponent(code)}/signup`, {});
        await done(info.id);
      } catch (failure) {
        fail(failure, button, "Jag kommer");
      }
    });
    action = h("div", {}, h("p", {}, `Du är inloggad som ${me.name}.`), button);
  } else {
    const input = h("input", { id: "name", name: "name", type: "text", autocomplete: "given-name", autocapitalize: "words", maxlength: "80", required: true, "aria-describedby": "name-hint" });
    const button = h("button", { type: "submit", class: "btn btn-primary btn-wide", id: "shift-yes" }, "Jag kommer");
    const submit = async (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (!name) {
        replace(error, "Skriv ditt förnamn.");
        error.hidden = false;
        input.focus();
        return;
      }
      button.disabled = true;
      button.textContent = "Anmäler …";
      try {
        const answer = await postJson("/api/auth/redeem", { code, name }, { token: null });
        await storeToken(answer.access_token);
        await kvDelete("logout_pending");
        await outbox.resume();
        await done(info.id);
      } catch (failure) {
        fail(failure, button, "Jag kommer");
      }
    };
    action = h(
      "div",
      {},
      joinNotice(),
      h(
        "form",
        { on: { submit }, novalidate: true },
        h("label", { for: "name" }, "Ditt förnamn"),
        h("p", { class: "hint", id: "name-hint" }, "Då är du med i Knacka och anmäld till passet. Namnet syns bara för passledaren och organisatörerna."),
        input,
        button,
      ),
    );
  }
  const left = Math.max(0, info.capacity - info.signed_up);
  const node = h(
    "section",
    { class: "screen" },
    h("h1", {}, "Knacka dörr med oss"),
    h(
      "div",
      { class: "card", id: "shift-facts" },
      h("p", { class: "shift-when" }, when(info)),
      h("p", {}, `Samling: ${info.meeting_point}`),
      h("p", { class: "muted" }, `${info.ak_name} · ${plural(left, "plats", "platser")} kvar`),
    ),
    error,
    action,
  );
  return { node };
}

// /pass/ID: the shift as the phone knows it (offline too), fresher when the network answers.
export function renderShift(app, shiftId) {
  const node = h("section", { class: "screen" });
  let alive = true;
  let shift = (app.data?.shifts || []).find((s) => s.id === shiftId) || null;
  let summary = null;
  let pending = new Set();
  const done = new Set(); // checked in on this screen: stays so after the outbox sent it

  async function load() {
    try {
      shift = await getJson(`/api/shifts/${shiftId}`);
      const list = ((await kvGet("cache:shifts")) || []).filter((s) => s.id !== shiftId);
      if (shift.me_signed_up || shift.signups) await kvSet("cache:shifts", [...list, shift]);
      if (Date.parse(shift.ends_at) <= Date.now()) summary = await getJson(`/api/shifts/${shiftId}/summary`);
    } catch {
      /* offline: the phone's copy */
    }
    await draw();
  }

  async function draw() {
    if (!alive) return;
    const before = pending;
    pending = new Set((await outbox.entries()).filter((e) => e.kind === "checkin" && e.shift_id === shiftId).map((e) => e.user_id));
    for (const id of before) if (!pending.has(id)) done.add(id); // sent: checked in on the server
    if (!shift) {
      replace(node, h("h1", {}, "Knackpass"), h("p", {}, "Passet finns inte på telefonen. Anslut till nätet och försök igen."));
      return;
    }
    const over = Date.parse(shift.ends_at) <= Date.now();
    replace(
      node,
      h("p", {}, h("a", { href: "/", "data-link": true, class: "back" }, "Till startsidan")),
      h("h1", {}, "Knackpass"),
      h(
        "div",
        { class: "card", id: "shift-facts" },
        h("p", { class: "shift-when" }, when(shift)),
        h("p", {}, `Samling: ${shift.meeting_point}`),
        shift.note ? h("p", {}, shift.note) : null,
        h("p", { class: "muted" }, `${plural(shift.signed_up, "anmäld", "anmälda")} av ${shift.capacity}`),
      ),
      shift.cancelled ? h("p", { class: "banner banner-error", role: "status" }, "Passet är inställt.") : null,
      over && !shift.cancelled ? thanks() : null,
      !over && !shift.cancelled ? mySignup() : null,
      h("section", { "aria-labelledby": "shift-districts" }, h("h2", { id: "shift-districts" }, "Valdistrikt"), districtLinks(app.data, shift)),
      shift.signups && !shift.cancelled ? checkIns() : null,
    );
  }

  function mySignup() {
    const error = h("p", { class: "field-error", role: "alert", hidden: true });
    const toggle = async (method) => {
      error.hidden = true;
      try {
        const answer = await send(method, `/api/shifts/${shiftId}/signup`, method === "POST" ? {} : undefined);
        if (!answer.ok) {
          const body = await answer.json().catch(() => ({}));
          throw new ApiError({ kind: "http", status: answer.status, code: body.code || "" });
        }
        await refresh();
        await app.reloadData();
        await load();
      } catch (failure) {
        error.textContent = say(failure);
        error.hidden = false;
      }
    };
    return h(
      "section",
      { class: "card", "aria-labelledby": "my-signup" },
      h("h2", { id: "my-signup" }, shift.me_signed_up ? "Du är anmäld" : "Vill du vara med?"),
      shift.me_signed_up
        ? h("button", { type: "button", class: "btn btn-wide", id: "shift-leave", on: { click: () => toggle("DELETE") } }, "Jag kan inte komma")
        : h("button", { type: "button", class: "btn btn-primary btn-wide", id: "shift-yes", on: { click: () => toggle("POST") } }, "Jag kommer"),
      error,
      // The calendar file carries a reminder an hour before; the session cookie authorises it.
      h("a", { href: `/api/shifts/${shiftId}/calendar.ics`, class: "btn btn-wide", download: `knackpass-${shiftId}.ics` }, "Lägg till i kalendern"),
      // Web Push reminders: pwa/js/push.js mounts its "Påminn mig" button into this slot.
      reminderSlot(shiftId),
    );
  }

  // The leader checks people in: through the outbox, so it works offline and counts once.
  function checkIns() {
    const people = shift.signups;
    return h(
      "section",
      { "aria-labelledby": "checkin-title" },
      h("h2", { id: "checkin-title" }, "Checka in"),
      people.length === 0
        ? h("p", { class: "muted" }, "Ingen har anmält sig än.")
        : h(
            "ul",
            { class: "checkin-list", id: "checkin-list" },
            people.map((p) => {
              const waiting = pending.has(p.user_id);
              const inside = p.checked_in || waiting || done.has(p.user_id);
              return h(
                "li",
                { dataset: { userId: String(p.user_id) } },
                h("span", { class: "district-name" }, p.name, p.newcomer ? h("span", { class: "tag" }, "Ny") : null),
                inside
                  ? h("span", { class: "checked" }, waiting ? "Incheckad (skickas när nätet finns)" : "Incheckad")
                  : h(
                      "button",
                      {
                        type: "button",
                        class: "btn",
                        "aria-label": `Checka in ${p.name}`,
                        on: {
                          click: async () => {
                            done.add(p.user_id);
                            await outbox.addCheckIn(shiftId, p.user_id);
                            await draw();
                          },
                        },
                      },
                      "Checka in",
                    ),
              );
            }),
          ),
    );
  }

  function thanks() {
    if (!summary) {
      return h("section", { class: "card", id: "shift-thanks" }, h("h2", {}, "Tack för i dag!"), h("p", { class: "muted" }, "Siffrorna visas när telefonen är uppkopplad."));
    }
    const mine = summary.mine || { doors: 0, conversations: 0, members: 0 };
    return h(
      "section",
      { class: "card", id: "shift-thanks", "aria-labelledby": "thanks-title" },
      h("h2", { id: "thanks-title" }, "Tack för i dag!"),
      h("p", { class: "big-number", id: "thanks-mine" }, `Du: ${plural(mine.doors, "dörr", "dörrar")}, ${plural(mine.conversations, "samtal", "samtal")}`),
      h(
        "p",
        { id: "thanks-group" },
        `Hela gruppen: ${plural(summary.came, "person", "personer")}, ${plural(summary.doors, "dörr", "dörrar")}, ${plural(summary.conversations, "samtal", "samtal")}`,
        summary.members ? `, ${plural(summary.members, "ny medlem", "nya medlemmar")}` : "",
        ".",
      ),
      summary.first_timers ? h("p", {}, `${plural(summary.first_timers, "person var", "personer var")} med för första gången.`) : null,
    );
  }

  const onChange = () => draw();
  outbox.addEventListener("change", onChange);
  draw();
  load();
  return {
    node,
    update: draw,
    leave() {
      alive = false;
      outbox.removeEventListener("change", onChange);
    },
  };
}

// Web Push reminders ("Påminn mig", or why not and the calendar file): push.js is loaded only
// here, from the offline cache, so the first load does not carry it.
function reminderSlot(shiftId) {
  const slot = h("div", { id: "reminder-slot", dataset: { shiftId: String(shiftId) } });
  import("./push.js")
    .then(({ pushOptIn }) => slot.replaceChildren(pushOptIn({ shiftId })))
    .catch(() => { /* not stored yet: the calendar link above still reminds */ });
  return slot;
}
