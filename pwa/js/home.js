// Home: today's own count, the AK's progress against this year's goal, and the districts
// (assigned first, then the AK's other prioritised ones), all from the phone's copy.

import { confirmAction } from "../shared/confirm.js";
import { h, replace } from "../shared/dom.js";
import { fmt, pct } from "../shared/format.js";
import { send } from "./api.js";
import { kvDelete, kvGet, kvSet } from "./db.js";
import { districtList } from "./district-list.js";
import { outbox } from "./outbox.js";
import { recentLogs } from "./recent.js";
import { nextShiftCard } from "./shift.js";
import { bar, plural } from "./ui.js";
import { showWiped, wipePhone } from "./wipe.js";

export function renderHome(app) {
  const node = h("section", { class: "screen" });
  let alive = true;
  let mineByDistrict = new Map(); // this phone's logs per district today (outbox.todayByDistrict)

  async function update() {
    if (!alive) return;
    recent.update();
    const data = app.data || {};
    const today = await outbox.today(data.today);
    // The cards' "idag" figures came with the same refresh as data.today.
    mineByDistrict = await outbox.todayByDistrict(data.today?.day === today.day ? data.today?.fetched_at : 0);
    if (!alive) return;
    const me = data.me;
    const ak = me?.aks?.[0];
    const akTotals = data.totals?.aks?.find((a) => a.ak === ak);
    const { assigned, others } = districtList(data);

    replace(
      node,
      h("h1", {}, me ? `Hej ${me.name}!` : "Hej!"),
      nextShiftCard(app),
      h(
        "section",
        { class: "card", "aria-labelledby": "today-title" },
        h("h2", { id: "today-title" }, "Du idag"),
        h(
          "p",
          { class: "big-number", id: "today-count" },
          plural(today.doors, "dörr", "dörrar"),
        ),
        h(
          "p",
          {},
          `${plural(today.conversations, "samtal", "samtal")}`,
          today.new_members ? `, ${plural(today.new_members, "ny medlem", "nya medlemmar")}` : "",
          today.channel_conversations ? `, ${plural(today.channel_conversations, "samtal", "samtal")} på arbetsplats eller torg` : "",
        ),
      ),
      akTotals
        ? h(
            "section",
            { class: "card", "aria-labelledby": "ak-title", id: "ak-progress" },
            h("h2", { id: "ak-title" }, `${akTotals.name} i år`),
            h(
              "p",
              {},
              `${fmt(akTotals.conversations)} av ${fmt(akTotals.conversation_goal)} samtal `,
              h("span", { class: "muted" }, `(${pct(akTotals.conversations, akTotals.conversation_goal)} av målet)`),
            ),
            bar(akTotals.conversations, akTotals.conversation_goal, `Samtal i ${akTotals.name} mot årets mål`),
            h(
              "p",
              { class: "muted" },
              `${plural(akTotals.doors, "dörr", "dörrar")} · ${plural(akTotals.members, "ny medlem", "nya medlemmar")} vid dörren`,
              akTotals.member_goal ? ` (mål netto ${fmt(akTotals.member_goal)})` : "",
            ),
          )
        : null,
      // Conversations away from the doors: their own screen, with the AK and no district.
      me?.aks?.length
        ? h("a", { href: "/arbetsplats", "data-link": true, class: "btn btn-wide", id: "to-channel" }, "Samtal på arbetsplats eller torg")
        : null,
      districtSection("mine-title", "Dina valdistrikt", assigned, "Du har inga tilldelade valdistrikt än."),
      districtSection(
        "others-title",
        "Andra prioriterade valdistrikt",
        others,
        me ? "Det finns inga fler prioriterade valdistrikt." : "Anslut till nätet för att hämta valdistrikten.",
      ),
      recent.node,
      // Far from the districts, behind a heading of its own: signing out is rarely wanted.
      h(
        "section",
        { class: "card card-quiet account", "aria-labelledby": "account-title" },
        h("h2", { id: "account-title" }, "Telefonen och kontot"),
        h(
          "p",
          { class: "muted" },
          "Loggar du ut behöver du en ny inbjudningslänk från din organisatör för att komma in igen.",
        ),
        h("button", { type: "button", class: "btn btn-quiet btn-wide", id: "logout", on: { click: logout } }, "Logga ut"),
      ),
    );
  }

  // The server's figures plus this phone's logs they cannot hold yet (offline, or sent since).
  function progressLine(progress, mine) {
    const doorsToday = (progress?.doors_today || 0) + (mine?.doors || 0);
    if (!progress && !mine) return null;
    return h(
      "span",
      { class: "district-progress" },
      progress ? `${plural(progress.conversations_year, "samtal", "samtal")} i år · ` : "",
      `${plural(doorsToday, "dörr", "dörrar")} idag`,
      mine?.waiting ? h("span", { class: "waiting-note" }, ` (${plural(mine.waiting, "väntar", "väntar")} på att skickas)`) : "",
    );
  }

  function districtSection(id, title, items, empty) {
    return h(
      "section",
      { "aria-labelledby": id },
      h("h2", { id }, title),
      items.length === 0
        ? h("p", { class: "muted" }, empty)
        : h(
            "ul",
            { class: "district-list" },
            items.map(({ district, progress, assigned }) =>
              h(
                "li",
                {},
                h(
                  "a",
                  {
                    href: `/d/${district.id}`,
                    "data-link": true,
                    class: "district-link",
                    dataset: { districtId: String(district.id) },
                  },
                  h("span", { class: "district-name" }, district.name),
                  assigned ? h("span", { class: "tag" }, "Tilldelat dig") : null,
                  progressLine(progress, mineByDistrict.get(district.id)),
                ),
              ),
            ),
          ),
    );
  }

  const recent = recentLogs(app, { onUndone: () => update() });

  async function logout() {
    const waiting = outbox.waiting;
    const text = ["Du kommer inte in igen förrän du öppnar en ny inbjudningslänk från din organisatör."];
    if (waiting > 0) {
      text.unshift(
        waiting === 1
          ? "1 logg är inte skickad. Loggar du ut nu stannar den i telefonen och skickas först när någon loggar in här igen. Skicka den först om du kan."
          : `${plural(waiting, "logg", "loggar")} är inte skickade. Loggar du ut nu stannar de i telefonen och skickas först när någon loggar in här igen. Skicka dem först om du kan.`,
      );
    }
    text.push(
      waiting > 0
        ? "Med ”Radera allt på telefonen” försvinner allt Knacka sparat här, också loggar som inte är skickade."
        : "Med ”Radera allt på telefonen” försvinner allt Knacka sparat här.",
    );
    const choice = await confirmAction({
      id: "logout-dialog",
      title: "Logga ut från Knacka?",
      text,
      yes: waiting > 0 ? "Logga ut ändå" : "Logga ut",
      alt: "Radera allt på telefonen",
    });
    if (choice === "alt") await logoutAndWipe();
    else if (choice) await reallyLogout();
  }

  async function logoutAndWipe() {
    const token = await kvGet("token");
    await send("POST", "/api/auth/logout", undefined, { token, timeout: 5000 }).catch(() => {});
    alive = false;
    recent.leave();
    await outbox.pause();
    await wipePhone();
    showWiped();
  }

  async function reallyLogout() {
    // Ends the session on the server (token and cookie both) when it can; the phone forgets
    // it either way, and until the server has heard it nothing signs the phone back in.
    const token = (await kvGet("token")) || null;
    await kvSet("logout_pending", true);
    // Reminders stop with the session: the browser drops its push subscription too (push.js is
    // loaded only when needed: it is not part of the first load).
    await import("./push.js").then(({ forgetPush }) => forgetPush()).catch(() => {});
    try {
      const answer = await send("POST", "/api/auth/logout", undefined, { token, timeout: 5000 });
      if (answer.ok || answer.status === 401) await kvDelete("logout_pending");
    } catch {
      /* offline: app.js ends it on a later start */
    }
    await kvDelete("token");
    await kvDelete("cookie_session");
    for (const key of ["me", "assignments", "districts", "totals", "today", "shifts", "campaigns"]) await kvDelete(`cache:${key}`);
    await app.reloadData();
    app.navigate("/", { replace: true });
  }

  update();
  return {
    node,
    update,
    outboxChanged: () => {
      update();
      recent.update();
    },
    leave() {
      alive = false;
      recent.leave();
    },
  };
}
