// Knacka for organisers and district staff: sign-in, then pages by role, chosen by the hash.

import { h } from "../shared/dom.js";
import { api, clearToken, getToken, setToken } from "./api.js";
import { needsNotice, noticeView } from "./notice.js";
import { errorLine, field, showError, svgImageUrl } from "./dom.js";
import { liveTotals } from "./live.js";
import * as campaigns from "./campaigns.js";
import * as organiser from "./organiser.js";
import * as plan from "./plan.js";
import * as shifts from "./shifts.js";
import * as quality from "./quality.js";
import * as staff from "./staff.js";

const main = document.querySelector("main");
const nav = document.querySelector("#nav");
const liveLine = document.querySelector("#live");
let me = null;

// --- The live stream: one per page, shared by whatever the view shows --------------------

const LIVE_TEXT = {
  connecting: "Ansluter till direktuppdateringen …",
  open: "Direkt: siffrorna uppdateras av sig själva.",
  waiting: "Tappade kontakten. Försöker igen – siffrorna kan vara gamla.",
  "signed-out": "Logga in igen för att se siffrorna direkt.",
};

const live = liveTotals({
  token: getToken,
  onStatus: (status) => {
    liveLine.textContent = LIVE_TEXT[status] || "";
    liveLine.dataset.status = status;
  },
});

function endLive() {
  live.stop();
  liveLine.textContent = "";
}

// --- Sign-in ------------------------------------------------------------------------------

function loginView() {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const totp = h("input", { type: "text", name: "totp", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 32 });
  const totpField = field("Kod från din app för tvåstegsverifiering", totp, "Sex siffror, eller en reservkod.");
  totpField.hidden = true;
  const error = errorLine();
  // The code is the next step, not a mistake: asked for in calm words, in error style only
  // once a code was typed and refused.
  const nextStep = h("p", { class: "next-step", role: "status", id: "login-next-step", hidden: true });
  const form = h("form", { class: "card narrow", novalidate: true },
    h("h1", {}, "Logga in"),
    h("p", {}, "För organisatörer i arbetarekommunerna och för partidistriktet."),
    field("E-post", email), field("Lösenord", password), totpField, nextStep, error,
    h("button", { type: "submit", class: "primary" }, "Logga in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!email.value.trim()) return showError(error, new Error("Skriv din e-postadress."));
    if (!password.value) return showError(error, new Error("Skriv ditt lösenord."));
    const body = { email: email.value.trim(), password: password.value };
    if (totp.value.trim()) body.totp = totp.value.trim();
    try {
      const { access_token: token } = await api("/auth/login", { method: "POST", body });
      setToken(token);
      showError(error, null);
      await start();
    } catch (err) {
      if (err.code === "totp_required" && !body.totp) {
        totpField.hidden = false;
        nextStep.textContent = "Lösenordet stämmer. Skriv nu koden från din app.";
        nextStep.hidden = false;
        showError(error, null);
        totp.focus();
        return;
      }
      nextStep.hidden = true;
      totp.toggleAttribute("aria-invalid", err.code === "totp_invalid" || err.code === "totp_required");
      showError(error, err);
    }
  });
  return form;
}

// --- Two-step verification: enrol with an authenticator app, keep the recovery codes -----

let enrolling = false;

async function enrolView() {
  let enrolment;
  try {
    enrolment = await api("/auth/totp", { method: "POST" });
  } catch (err) {
    return h("div", { class: "card narrow" }, h("h1", {}, "Tvåstegsverifiering"),
      h("p", { role: err.code === "totp_already_enabled" ? "status" : "alert" }, err.message));
  }
  const code = h("input", { type: "text", name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 8, required: true });
  const error = errorLine();
  // The server's SVG goes in as an image (a data: URL): never parsed into this page's DOM.
  const qr = h("img", { class: "qr", alt: "QR-kod att skanna med appen för tvåstegsverifiering",
    src: svgImageUrl(enrolment.qr_svg) });
  const form = h("form", { class: "card", novalidate: true },
    field("Kod från appen", code, "Sex siffror. Appen visar en ny kod var 30:e sekund."), error,
    h("button", { type: "submit", class: "primary" }, "Slå på"));
  const view = h("div", { class: "card narrow" },
    h("h1", {}, "Slå på tvåstegsverifiering"),
    h("p", {}, "Ditt konto skyddas med en kod från en app i mobilen, till exempel Microsoft Authenticator eller Google Authenticator. Skanna QR-koden med appen."),
    qr,
    h("p", {}, "Går det inte att skanna? Skriv in den här nyckeln i appen:"),
    h("p", {}, h("code", { id: "totp-secret" }, enrolment.secret)),
    form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = code.value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(value)) return showError(error, new Error("Skriv de sex siffrorna från appen."));
    try {
      const { recovery_codes: codes } = await api("/auth/totp/verify", { method: "POST", body: { code: value } });
      showError(error, null);
      view.replaceWith(recoveryView(codes));
    } catch (err) { showError(error, err); }
  });
  return view;
}

function recoveryView(codes) {
  return h("div", { class: "card narrow" },
    h("h1", {}, "Spara koderna"),
    h("p", {}, "Tvåstegsverifiering är på. Spara koderna här nedanför på ett säkert ställe, till exempel utskrivna eller i en lösenordshanterare. Varje kod fungerar en gång om du inte har mobilen med dig. Koderna visas bara nu."),
    h("ul", { id: "recovery-codes", class: "plain" }, codes.map((c) => h("li", {}, h("code", {}, c)))),
    h("button", { type: "button", class: "primary", on: { click: () => {
      if (location.hash.startsWith("#/sakerhet")) location.hash = "";
      else render();
    } } }, "Jag har sparat koderna"));
}

async function showEnrolment() {
  if (!me || enrolling) return;
  enrolling = true;
  endLive();
  main.replaceChildren(h("p", {}, "Hämtar …"));
  main.replaceChildren(await enrolView());
  document.title = "Slå på tvåstegsverifiering – Knacka";
}

// --- Navigation by role -------------------------------------------------------------------

function routes() {
  if (!me) return [];
  const list = [];
  if (me.role === "staff") {
    list.push(["#/oversikt", "Översikt"], ["#/ak", "Arbetarekommun"], ["#/kampanjer", "Kampanjer"], ["#/mal", "Mål"],
      ["#/distrikt", "Valdistrikt"], ["#/plan", "Planen"], ["#/organisatorer", "Organisatörer"], ["#/granska", "Granska loggar"], ["#/logg", "Logg"]);
  } else {
    list.push(["#/ak", "Min arbetarekommun"], ["#/kampanjer", "Kampanjer"], ["#/granska", "Granska loggar"]);
  }
  list.push(["#/pass", "Knackpass"]);
  list.push(["#/rapport", "Årsrapport"], ["#/sakerhet", "Säkerhet"]);
  return list;
}

// On a phone the menu folds into one "Meny" button, so the page starts on the first screen.
const wide = () => window.matchMedia("(min-width: 48rem)").matches;

function drawNav() {
  const hash = location.hash.split("?")[0] || "";
  const items = h("ul", {}, routes().map(([href, label]) =>
    h("li", {}, h("a", { href, "aria-current": hash.startsWith(href) ? "page" : false }, label))));
  const current = routes().find(([href]) => hash.startsWith(href))?.[1];
  nav.replaceChildren(
    me && !wide() ? h("details", { class: "menu" }, h("summary", {}, current ? `Meny: ${current}` : "Meny"), items) : items,
    me ? h("div", { class: "who" },
      h("span", {}, `${me.name} (${me.role === "staff" ? "distriktet" : "organisatör"})`),
      h("button", { type: "button", class: "quiet", on: { click: toggleBigScreen } }, "Storskärm"),
      h("button", { type: "button", class: "quiet", on: { click: logout } }, "Logga ut")) : "",
  );
}

function toggleBigScreen() {
  document.body.classList.toggle("big-screen");
  if (document.body.classList.contains("big-screen") && document.documentElement.requestFullscreen) {
    document.documentElement.requestFullscreen().catch(() => {});
  } else if (document.fullscreenElement) {
    document.exitFullscreen().catch(() => {});
  }
}

async function logout() {
  try { await api("/auth/logout", { method: "POST" }); } catch { /* ended anyway */ }
  clearToken();
  me = null;
  endLive();
  location.hash = "";
  render();
}

async function render() {
  enrolling = false;
  endLive();
  drawNav();
  if (!me) {
    main.replaceChildren(loginView());
    return;
  }
  if (needsNotice(me)) {
    // First sign-in: the privacy notice, acknowledged once (stored on the account).
    main.replaceChildren(noticeView(me, render));
    document.title = "Om dina uppgifter – Knacka";
    return;
  }
  const hash = location.hash.split("?")[0];
  const fallback = me.role === "staff" ? "#/oversikt" : "#/ak";
  const path = hash || fallback;
  const view = {
    "#/oversikt": staff.dashboard,
    "#/mal": staff.goals,
    "#/distrikt": staff.districts,
    "#/plan": plan.planPage,
    "#/organisatorer": staff.organisers,
    "#/logg": staff.audit,
    "#/rapport": staff.report,
    "#/ak": organiser.akPage,
    "#/kampanjer": campaigns.campaignsPage,
    "#/kampanj": campaigns.campaignPage,
    "#/kampanj-ny": me.role === "staff" ? campaigns.campaignForm : null,
    "#/blankett": organiser.tallySheet,
    "#/pass": shifts.shiftsPage,
    "#/passlapp": shifts.shiftSheet,
    "#/granska": quality.reviewPage,
    "#/sakerhet": enrolView,
  }[path];
  main.replaceChildren(h("p", {}, "Hämtar …"));
  try {
    // Views get the live stream as a callback: they never import this module.
    main.replaceChildren(await (view || (() => h("p", {}, "Sidan finns inte.")))(me, { live: live.follow }));
    labelCells(main);
  } catch (err) {
    if (err.code === "totp_enrolment_required") return; // the enrolment screen took over
    main.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
  }
  document.title = `${main.querySelector("h1")?.textContent || "Knacka"} – Knacka`;
}

// Each table cell learns its column's heading: on a phone the rows are stacked as cards and
// the heading is shown beside each value (admin.css), so nothing scrolls sideways.
function labelCells(root) {
  for (const table of root.querySelectorAll("table.figures")) {
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => { if (heads[i]) cell.dataset.label = heads[i]; });
    }
  }
}

async function start() {
  if (!getToken()) {
    me = null;
  } else {
    try {
      me = await api("/me");
      if (me.role === "volunteer") {
        clearToken();
        me = null;
      }
    } catch {
      me = null;
    }
  }
  await render();
}

window.addEventListener("hashchange", render);
window.addEventListener("knacka:totp-enrolment", showEnrolment);
window.addEventListener("knacka:signed-out", () => {
  me = null;
  enrolling = false;
  render();
});
if (new URLSearchParams(location.search).has("storskarm")) document.body.classList.add("big-screen");
start();
