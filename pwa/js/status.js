// What is always on screen: how many logs wait, the offline banner, a request to sign in
// again, refused logs, logs that waited over a day, a phone that had forgotten Knacka, the
// offer of a new version, and whether this phone keeps Knacka (keep.js).

import { h, replace } from "../shared/dom.js";
import { refresh } from "./data.js";
import { keep } from "./keep.js";
import { outbox } from "./outbox.js";
import { hhmm, plural, time } from "./ui.js";

const OUTCOME_LABEL = {
  conversation: "Samtal",
  not_home: "Ej hemma",
  declined: "Nej tack",
  no_access: "Kom inte in",
};

const REASON = {
  conflict: "En annan logg med samma id finns redan hos servern.",
  invalid_id: "Loggen har ett felaktigt id.",
  unknown_outcome: "Servern känner inte igen utfallet.",
  unknown_district: "Valdistriktet finns inte längre.",
  district_not_allowed: "Du får inte logga i det här valdistriktet.",
  invalid_occurred_at: "Telefonens tid för loggen gick inte att läsa.",
  unknown_topic: "Ett av ämnena finns inte längre.",
  too_old: "Loggen är äldre än 30 dagar. Be din organisatör föra in den som papperslista.",
  implausible_rate: "Fler dörrar på en minut än någon hinner knacka. Loggen sparades inte.",
  unknown_field: "Loggen innehöll något som servern inte tar emot.",
  invalid_item: "Loggen var inte giltig.",
  payload_too_large: "Loggen var för stor.",
  void_window_passed: "Det har gått för lång tid för att ångra. Be din organisatör ta bort loggen.",
  forbidden: "Du får inte ändra den här loggen.",
  free_text: "Ett svar får bara vara ett av kampanjens svarsalternativ.",
  invalid_answer: "Svaret var inte ett av kampanjens svarsalternativ.",
  invalid_campaign: "Kampanjen gick inte att läsa.",
  unknown_channel: "Servern känner inte igen var samtalet hölls.",
  channel_district: "Ett samtal på arbetsplats eller torg får inte ha ett valdistrikt.",
  channel_topics: "Ett samtal på arbetsplats eller torg får inte ha ämnen.",
  channel_answer: "Ett samtal på arbetsplats eller torg får inte ha ett svar på kampanjfrågan.",
  channel_outcome: "På arbetsplats eller torg går bara Samtal eller Nej tack att logga.",
  unknown_ak: "Arbetarekommunen finns inte.",
  ak_not_allowed: "Du får inte logga i den arbetarekommunen.",
  door_ak: "En dörr loggas i ett valdistrikt, inte i en arbetarekommun.",
};

// A log stored without a reference it could not carry (status "created" with a warning).
const WARNING = {
  campaign_not_applicable: "Sparad utan kampanj: kampanjen gällde inte den dagen eller där.",
  answer_not_applicable: "Sparad utan svaret: det passade inte kampanjens fråga.",
  topic_not_offered: "Sparad utan ett av ämnena: kampanjen har inte det ämnet.",
  unknown_shift: "Sparad, men inte som en del av passet: passet finns inte.",
  outside_shift: "Sparad, men inte som en del av passet: den passade inte passets tid eller distrikt.",
};

const CHANNEL_LABEL = { workplace: "arbetsplats", stall: "torg eller evenemang" };

const ERROR_TEXT = {
  network: "Fick ingen kontakt med servern.",
  not_json: "Nätet svarade med en annan sida än Knacka. Du kan behöva logga in på nätverket.",
  no_ack: "Servern bekräftade inga loggar.",
  too_large: "Servern tog inte emot loggen.",
};

const REFRESH_EVERY_MS = 60 * 1000;
// Logs that waited this long are said to be at risk: the browser may wipe the phone's storage.
export const STALE_MS = 24 * 60 * 60 * 1000;

const dayAndTime = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Europe/Stockholm",
  day: "numeric",
  month: "long",
  hour: "2-digit",
  minute: "2-digit",
});

// What the volunteer reads when the phone had forgotten Knacka but the cookie kept the session.
export function wipedText(lastLogAt) {
  const lines = [
    "Telefonen hade glömt Knacka: webbläsaren hade raderat det som var sparat i telefonen. Du är fortfarande inloggad, och dina valdistrikt och siffror är hämtade igen.",
  ];
  if (lastLogAt) {
    lines.push(
      `Servern har alla dina loggar fram till ${dayAndTime.format(new Date(lastLogAt))}. Loggar som du sparade efter det men som inte hann skickas fanns bara i telefonen och kunde inte räddas.`,
    );
  } else {
    lines.push("Servern hade inga loggar från dig sedan tidigare.");
  }
  return lines;
}

function reasonText(code) {
  return REASON[code] || `Servern sa nej (${code}).`;
}

export function outcomeLabel(outcome) {
  return OUTCOME_LABEL[outcome] || outcome;
}

// "Samtal, Centrum" at a door, "Samtal på arbetsplats" elsewhere; names: district id → name.
export function logWhat(log, names) {
  const place = CHANNEL_LABEL[log.channel];
  if (place) return `${outcomeLabel(log.outcome)} på ${place}`;
  return `${outcomeLabel(log.outcome)}, ${names.get(log.district_id) || `valdistrikt ${log.district_id}`}`;
}

export function districtNames(data) {
  const names = new Map();
  for (const d of data?.districts || []) names.set(d.district.id, d.district.name);
  for (const a of data?.assignments || []) names.set(a.district.id, a.district.name);
  return names;
}

function errorText(reason) {
  if (ERROR_TEXT[reason]) return ERROR_TEXT[reason];
  if (/^http_(429|503)$/.test(reason)) return "Servern har mycket att göra just nu.";
  if (/^http_5/.test(reason)) return "Servern har ett fel just nu.";
  return `Servern svarade med fel (${reason.replace("http_", "")}).`;
}

export function initStatus(app) {
  const header = document.getElementById("status");
  const banners = document.getElementById("banners");
  const count = h("p", { class: "outbox-count", id: "outbox-count", role: "status" });
  // Why sending waits: at the foot of the page, so nothing moves under a tapping thumb.
  const detail = h("p", { class: "banner banner-quiet", id: "outbox-detail" });
  const keepBox = h("div", { id: "keep" });
  replace(document.getElementById("after-main"), detail, keepBox);
  keep.init(keepBox);
  const sendNow = h(
    "button",
    { type: "button", class: "btn btn-small", id: "send-now", on: { click: () => outbox.now("button") } },
    "Skicka nu",
  );
  replace(header, h("div", { class: "outbox-text" }, count), sendNow);

  const offline = h(
    "div",
    { class: "banner banner-offline", id: "offline-banner", role: "status" },
    h("strong", {}, "Du är offline. "),
    "Dina loggar är sparade i telefonen och skickas när du har nät igen.",
  );
  const expired = h("div", { class: "banner banner-warn", id: "signin-banner", role: "alert" });
  const update = h("div", { class: "banner banner-info", id: "update-banner", role: "status" });
  const refusedBox = h("div", { id: "refused" });
  const warnedBox = h("div", { id: "warned" });
  const stale = h("div", { class: "banner banner-warn", id: "stale-banner", role: "status" });
  const wiped = h("div", { class: "banner banner-info", id: "wiped-banner", role: "status" });
  replace(banners, offline, expired, wiped, stale, update, refusedBox, warnedBox);
  stale.hidden = true;
  wiped.hidden = true;
  offline.hidden = true;
  expired.hidden = true;
  update.hidden = true;

  let lastWaiting = outbox.waiting;
  let refreshing = false;
  let lastRefresh = Date.now();
  async function onChange() {
    const waiting = outbox.waiting;
    count.textContent =
      waiting === 0 ? "Alla loggar är skickade" : `${plural(waiting, "logg väntar", "loggar väntar")} på att skickas`;
    count.dataset.waiting = String(waiting);
    let text = "";
    // Offline, the offline banner already says why; a paused outbox has its own banner.
    if (outbox.paused || !navigator.onLine) text = "";
    else if (waiting > 0 && outbox.lastError) {
      text = errorText(outbox.lastError);
      if (outbox.nextAt) text += ` Nytt försök kl. ${time(outbox.nextAt)}.`;
    }
    detail.textContent = text;
    detail.hidden = text === "";
    // Kept in the layout when not needed, so the header never changes height under a tap.
    sendNow.classList.toggle("invisible", waiting === 0 || outbox.paused);
    expired.hidden = !outbox.paused;
    if (outbox.paused) {
      replace(
        expired,
        h("strong", {}, "Du behöver logga in igen. "),
        waiting === 1 ? "Din logg är sparad i telefonen och skickas när du har loggat in. " : "",
        waiting > 1
          ? `Dina ${plural(waiting, "logg", "loggar")} är sparade i telefonen och skickas när du har loggat in. `
          : "",
        "Be din organisatör om en ny inbjudningslänk och öppna den på den här telefonen.",
      );
    }
    const refusedCount = await renderRefused(refusedBox);
    await renderWarned(warnedBox);
    await renderStale(waiting);
    // Colours by meaning: calm when all went out, amber while logs wait (they are safe on the
    // phone), red only when something needs the volunteer (sign in again, a refused log).
    (header.closest("header") || header).dataset.state = outbox.paused || refusedCount > 0 ? "problem" : waiting > 0 ? "waiting" : "sent";
    // Everything went out: fetch fresh figures (at most once a minute) so progress follows.
    const due = Date.now() - lastRefresh > REFRESH_EVERY_MS;
    if (lastWaiting > 0 && waiting === 0 && !outbox.paused && !refreshing && due && navigator.onLine) {
      refreshing = true;
      lastRefresh = Date.now();
      refresh()
        .then(() => app.reloadData())
        .then(() => app.rerender())
        .finally(() => {
          refreshing = false;
        });
    } else {
      app.screen?.outboxChanged?.();
    }
    lastWaiting = waiting;
  }
  outbox.addEventListener("change", onChange);
  onChange();

  const online = () => {
    offline.hidden = navigator.onLine;
    onChange();
  };
  window.addEventListener("online", online);
  window.addEventListener("offline", online);
  online();

  // Built once, so a change of the count never moves the button under a tapping thumb.
  const staleText = h("strong", {});
  replace(
    stale,
    h("p", {}, staleText, "De finns bara i den här telefonen tills de har skickats, och telefonen kan radera dem om Knacka inte används."),
    h("button", { type: "button", class: "btn btn-small", id: "send-stale", on: { click: () => outbox.now("button") } }, "Skicka nu"),
  );

  async function renderStale(waiting) {
    const entries = waiting > 0 ? await outbox.entries() : [];
    const old = entries.filter((e) => e.state === "waiting" && Date.now() - e.queued_at > STALE_MS);
    stale.hidden = old.length === 0 || outbox.paused;
    staleText.textContent = `${plural(old.length, "logg", "loggar")} har väntat i mer än ett dygn. `;
  }

  app.showWiped = (lastLogAt) => {
    replace(
      wiped,
      wipedText(lastLogAt).map((line) => h("p", {}, line)),
      h("button", { type: "button", class: "btn btn-small", id: "wiped-ok", on: { click: () => (wiped.hidden = true) } }, "Jag förstår"),
    );
    wiped.hidden = false;
  };

  app.offerUpdate = (apply) => {
    replace(
      update,
      h("span", {}, "Det finns en ny version av Knacka. Dina loggar finns kvar. "),
      h("button", { type: "button", class: "btn btn-small", id: "update-button", on: { click: apply } }, "Ny version – ladda om"),
    );
    update.hidden = false;
  };

  async function renderRefused(box) {
    const refused = (await outbox.entries()).filter((e) => e.state === "refused");
    if (refused.length === 0) {
      box.replaceChildren();
      return 0;
    }
    const names = districtNames(app.data);
    replace(
      box,
      h(
        "section",
        { class: "banner banner-error", "aria-labelledby": "refused-title" },
        h("h2", { id: "refused-title" }, `${plural(refused.length, "logg", "loggar")} togs inte emot`),
        h("p", {}, "Servern sa nej till de här. De finns kvar här tills du tar bort dem."),
        h(
          "ul",
          { class: "refused-list" },
          refused.map((e) => {
            const what =
              e.kind === "void"
                ? "Ångring av en logg"
                : e.kind === "checkin"
                  ? "En incheckning till ett knackpass"
                  : `${logWhat(e.log, names)}, kl. ${hhmm(e.log.occurred_at)}`;
            return h(
              "li",
              { class: "refused-item", dataset: { id: e.id, code: e.code || "" } },
              h("p", {}, what),
              h("p", { class: "muted" }, reasonText(e.code)),
              h(
                "button",
                {
                  type: "button",
                  class: "btn btn-small btn-quiet",
                  "aria-label": `Ta bort: ${what}`,
                  on: { click: () => outbox.dismiss(e.key) },
                },
                "Ta bort",
              ),
            );
          }),
        ),
      ),
    );
    return refused.length;
  }

  async function renderWarned(box) {
    const warned = await outbox.warned();
    if (warned.length === 0) return box.replaceChildren();
    const names = districtNames(app.data);
    replace(
      box,
      h(
        "section",
        { class: "banner banner-warn", id: "warned-banner", "aria-labelledby": "warned-title" },
        h("h2", { id: "warned-title" }, `${plural(warned.length, "logg", "loggar")} sparades med en ändring`),
        h(
          "ul",
          { class: "refused-list warned-list" },
          warned.map((m) =>
            h(
              "li",
              { class: "warned-item", dataset: { id: m.id, code: m.warning } },
              h("p", {}, `${logWhat(m, names)}, kl. ${hhmm(m.created_at)}`),
              h("p", {}, WARNING[m.warning] || `Sparad, med en ändring (${m.warning}).`),
            ),
          ),
        ),
        h("button", { type: "button", class: "btn btn-small", id: "warned-ok", on: { click: () => outbox.warningsSeen() } }, "Jag förstår"),
      ),
    );
  }
}
