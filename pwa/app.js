// Knacka for volunteers: the entry module. Routes: /join/CODE, / (home), /d/ID (district).

import { kvGet, openDb } from "./js/db.js";
import { cached, refresh } from "./js/data.js";
import { renderDistrict } from "./js/district.js";
import { renderHome } from "./js/home.js";
import { renderJoin } from "./js/join.js";
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
  const token = await kvGet("token");
  const join = path.match(/^\/join\/([^/]+)\/?$/);
  let screen;
  if (join) {
    screen = renderJoin(app, decodeURIComponent(join[1]));
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
    screen = district ? renderDistrict(app, Number(district[1])) : renderHome(app);
  }
  app.screen = screen;
  replace(main, screen.node);
  focusHeading(main);
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

async function boot() {
  await openDb();
  if (navigator.storage?.persist) {
    // Asks the browser not to clear the outbox when space runs low.
    navigator.storage.persisted().then((yes) => yes || navigator.storage.persist()).catch(() => {});
  }
  await app.reloadData();
  initStatus(app);
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
  if ((await kvGet("token")) && !outbox.paused) {
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
