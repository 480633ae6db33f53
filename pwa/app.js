// Knacka for volunteers: the entry module. Routes: /join/CODE (an invite or a shift's sign-up
// link), / (home), /d/ID (district), /d/ID/stod (the campaign's samtalsstöd card),
// /arbetsplats (workplace or stall), /pass/ID (a knackpass).

import { getJson, send, signedIn } from "./js/api.js";
import { kvDelete, kvGet, kvSet, openDb } from "./js/db.js";
import { cached, refresh } from "./js/data.js";
import { findDistrict } from "./js/district-list.js";
import { renderDistrict } from "./js/district.js";
import { renderHome } from "./js/home.js";
import { renderJoin } from "./js/join.js";
import { renderShift, shiftLinkScreen } from "./js/shift.js";
import { outbox } from "./js/outbox.js";
import { initStatus } from "./js/status.js";
import { registerServiceWorker } from "./js/sw-client.js";
import { focusHeading } from "./js/ui.js";
import { h, replace } from "./shared/dom.js";

const main = document.getElementById("main");

const app = {
  data: null,
  screen: null,
  async reloadData() {
    this.data = await cached();
  },
  navigate(path, { replace: replaceState = false } = {}) {
    if (replaceState) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
    route();
  },
  rerender() {
    this.screen?.update?.();
  },
};

async function route() {
  const path = location.pathname;
  app.screen?.leave?.();
  app.screen = null;
  const token = await signedIn();
  const join = path.match(/^\/join\/([^/]+)\/?$/);
  let screen;
  if (join) {
    const code = decodeURIComponent(join[1]);
    screen = (await shiftLinkScreen(app, code)) || renderJoin(app, code);
    if (location.pathname !== path) return; // left while the link was looked up
  } else if (!token) {
    screen = {
      node: h(
        "section",
        { class: "screen" },
        h("h1", {}, "Välkommen till Knacka"),
        h("p", {}, "Du loggar in med en inbjudningslänk från din organisatör."),
        h("p", {}, "Öppna länken du fått i sms eller mejl, så kommer du rätt."),
      ),
    };
  } else {
    const district = path.match(/^\/d\/(\d+)\/?$/);
    const shift = path.match(/^\/pass\/(\d+)\/?$/);
    const card = path.match(/^\/d\/(\d+)\/stod\/?$/);
    if (district) screen = renderDistrict(app, Number(district[1]));
    else if (shift) screen = renderShift(app, Number(shift[1]));
    // Campaign screens are loaded when opened (from the offline cache): not in the first load.
    else if (card) {
      const id = Number(card[1]);
      const ak = findDistrict(app.data || {}, id)?.district.ak || app.data?.me?.aks?.[0];
      screen = await lazy(import("./js/campaign-card.js"), (m) => m.renderCampaignCard(app, id, ak));
    } else if (/^\/arbetsplats\/?$/.test(path)) screen = await lazy(import("./js/channel.js"), (m) => m.renderChannel(app));
    else screen = renderHome(app);
  }
  app.screen = screen;
  replace(main, screen.node);
  focusHeading(main);
}

// A screen loaded on demand; before the phone has stored the app offline it may not load.
async function lazy(loading, render) {
  try {
    return render(await loading);
  } catch {
    return {
      node: h(
        "section",
        { class: "screen" },
        h("a", { href: "/", "data-link": true, class: "back" }, "← Startsidan"),
        h("h1", {}, "Sidan kunde inte öppnas"),
        h("p", {}, "Telefonen har inte hunnit spara den här delen av Knacka. Försök igen när du har nät."),
      ),
    };
  }
}

// Links inside the app change screen without reloading the page.
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-link]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) {
    return;
  }
  event.preventDefault();
  app.navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", route);

// A sign-out that could not reach the server: the cookie may still be valid, so it is ended
// before anything else, and until then nothing signs the phone back in.
async function finishLogout() {
  if (!(await kvGet("logout_pending"))) return true;
  try {
    const answer = await send("POST", "/api/auth/logout", undefined, { token: null, timeout: 5000 });
    if (answer.ok || answer.status === 401) {
      await kvDelete("logout_pending");
      return true;
    }
  } catch {
    /* offline: tried again on the next start */
  }
  return false;
}

// The browser may wipe IndexedDB, caches and the service worker while the HttpOnly session
// cookie stays (docs/PWA.md). Then the server still knows the volunteer: the phone fetches
// again what it needs, and says what happened. Returns /api/me's answer when it restored.
async function restoreFromCookie() {
  if (!(await finishLogout()) || (await signedIn())) return null;
  let me;
  try {
    me = await getJson("/api/me", { token: null });
  } catch {
    return null; // no cookie, an ended session, or no network: the welcome screen it is
  }
  await kvSet("cookie_session", true);
  await refresh();
  return me;
}

async function boot() {
  await openDb();
  const restored = await restoreFromCookie();
  await app.reloadData();
  initStatus(app);
  if (restored) app.showWiped(restored.last_log_at);
  await outbox.prune();
  await route();
  await outbox.start();
  registerServiceWorker(app);
  window.addEventListener("online", async () => {
    // Figures are fetched after the outbox went out, so today's count cannot double up.
    await outbox.now("online");
    await refreshFigures();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") outbox.flush("visible");
  });
  document.documentElement.dataset.ready = "true";
  await outbox.running;
  await refreshFigures();
}

async function refreshFigures() {
  if ((await signedIn()) && !outbox.paused) {
    await refresh();
    await app.reloadData();
    app.rerender();
  }
}

boot().catch((error) => {
  replace(
    main,
    h(
      "section",
      { class: "screen" },
      h("h1", {}, "Appen kunde inte starta"),
      h("p", {}, "Stäng appen och öppna den igen. Dina sparade loggar finns kvar i telefonen."),
      h("p", { class: "muted" }, String(error?.message || error)),
    ),
  );
});
