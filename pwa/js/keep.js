// Whether this phone keeps Knacka: persistent storage, installing to the home screen, and a
// calm line that says which. Browsers may delete a site's storage (docs/PWA.md); the session
// survives in a cookie, but logs that never reached the server do not.

import { h, replace } from "../shared/dom.js";
import { kvGet, kvSet } from "./db.js";

let installPrompt = null;
// Android Chrome offers its own install prompt; kept for the moment the volunteer wants it.
window.addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault();
  installPrompt = event;
  keep.render();
});
window.addEventListener("appinstalled", () => {
  installPrompt = null;
  keep.render();
});

export function isInstalled() {
  return window.matchMedia?.("(display-mode: standalone)").matches || navigator.standalone === true;
}

const isIphone = () => /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);

// Asks once per start for persistent storage (Chrome grants it to sites in use, Safari only
// to home-screen apps) and remembers the answer.
export async function askPersistence() {
  let granted = false;
  try {
    if (navigator.storage?.persisted) {
      granted = await navigator.storage.persisted();
      if (!granted && navigator.storage.persist) granted = await navigator.storage.persist();
    }
  } catch {
    granted = false;
  }
  await kvSet("storage_persisted", granted);
  return granted;
}

export const keep = {
  box: null,
  persisted: false,
  hint: "none", // "none" until the first saved log, then "show", or "dismissed" after "Inte nu"

  async init(box) {
    this.box = box;
    this.persisted = await askPersistence();
    this.hint = (await kvGet("install_hint")) || "none";
    await this.render();
  },

  // Called when a log is saved on the phone: the good moment to offer installing, once.
  async logSaved() {
    if (this.hint !== "none") return;
    this.hint = "show";
    await kvSet("install_hint", "show");
    await this.render();
  },

  async dismiss() {
    this.hint = "dismissed";
    await kvSet("install_hint", "dismissed");
    await this.render();
  },

  state() {
    if (isInstalled()) return "installed";
    return this.persisted ? "persistent" : "at-risk";
  },

  async render() {
    if (!this.box) return;
    const state = this.state();
    const line = h(
      "p",
      { class: "keep-line muted", id: "keep-line", dataset: { state } },
      state === "installed"
        ? "Knacka är installerad på telefonen."
        : state === "persistent"
          ? "Telefonen sparar Knacka beständigt."
          : "Telefonen kan radera Knackas sparade data om du inte använder appen på ett tag.",
    );
    const hint = state !== "installed" && this.hint === "show" ? this.hintNode() : null;
    replace(this.box, hint, line);
  },

  hintNode() {
    const notNow = h(
      "button",
      { type: "button", class: "btn btn-small btn-quiet", id: "install-not-now", on: { click: () => this.dismiss() } },
      "Inte nu",
    );
    let steps;
    if (isIphone()) {
      steps = h(
        "ol",
        { class: "install-steps" },
        h("li", {}, "Tryck på Dela (fyrkanten med en pil uppåt) längst ned i Safari."),
        h("li", {}, "Välj Lägg till på hemskärmen."),
        h("li", {}, "Öppna Knacka från hemskärmen i fortsättningen."),
      );
    } else if (installPrompt) {
      const install = async () => {
        const event = installPrompt;
        installPrompt = null;
        await event.prompt();
        await event.userChoice;
        // Installed or declined in the browser's own dialog: either way the hint is done.
        await this.dismiss();
      };
      steps = h(
        "button",
        { type: "button", class: "btn btn-small", id: "install-now", on: { click: install } },
        "Installera Knacka",
      );
    } else {
      steps = h("p", {}, "Öppna webbläsarens meny och välj Installera app eller Lägg till på startskärmen.");
    }
    return h(
      "section",
      { class: "banner banner-info", id: "install-hint", "aria-labelledby": "install-title" },
      h("h2", { id: "install-title" }, "Lägg Knacka på hemskärmen"),
      h("p", {}, "Då glömmer inte telefonen Knacka mellan gångerna du knackar."),
      steps,
      notNow,
    );
  },
};
