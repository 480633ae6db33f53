// "Påminn mig": opt-in Web Push reminders for knackpass, or the calendar file where push is
// not available (an iPhone outside the home screen, an old browser, notifications refused).
// The shift screens mount it: pushOptIn({ shiftId }) returns an element.

import { h, replace } from "../shared/dom.js";
import { getJson, send } from "./api.js";

const WHY = {
  ios: "På iPhone kommer påminnelser bara när Knacka ligger på hemskärmen (Dela → Lägg till på hemskärmen).",
  unsupported: "Den här webbläsaren kan inte ge påminnelser.",
  denied: "Aviseringar är avstängda för Knacka i webbläsarens inställningar.",
  failed: "Det gick inte att slå på påminnelser just nu.",
};

// Why push cannot be offered here, or null when it can.
export function pushUnavailable() {
  const standalone = window.matchMedia?.("(display-mode: standalone)")?.matches || navigator.standalone;
  // An iPad says "Macintosh" but has a touch screen.
  const apple = /iPhone|iPad|iPod/.test(navigator.userAgent) ||
    (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1);
  if (apple && !standalone) return "ios";
  if (!("serviceWorker" in navigator && "PushManager" in window && "Notification" in window)) {
    return "unsupported";
  }
  return Notification.permission === "denied" ? "denied" : null;
}

const leadText = (minutes) =>
  minutes
    .map((m) => (m % 1440 === 0 ? `${m / 1440} dygn` : m % 60 === 0 ? `${m / 60} tim` : `${m} min`))
    .join(" och ");

function keyBytes(base64url) {
  const raw = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function existing() {
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

// Subscribes this browser and tells the server; again is harmless (one row per browser).
export async function subscribePush() {
  if ((await Notification.requestPermission()) !== "granted") throw new Error("denied");
  const key = await getJson("/api/push/key");
  const registration = await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ||
    (await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(key.public_key),
    }));
  const answer = await send("POST", "/api/push/subscriptions", subscription.toJSON());
  if (!answer.ok) throw new Error(`push ${answer.status}`);
  return key.lead_minutes;
}

// Logout and "stäng av": the browser forgets the subscription, the server too.
export async function forgetPush() {
  if (pushUnavailable()) return;
  // getRegistration, not .ready: with no service worker .ready never settles, and logout waits.
  const registration = await navigator.serviceWorker.getRegistration().catch(() => null);
  const subscription = registration ? await registration.pushManager.getSubscription().catch(() => null) : null;
  if (!subscription) return;
  await send("DELETE", "/api/push/subscriptions", { endpoint: subscription.endpoint }).catch(() => {});
  await subscription.unsubscribe().catch(() => {});
}

export function pushOptIn({ shiftId }) {
  const box = h("div", { class: "card push-opt-in" });
  const calendar = (why) =>
    replace(
      box,
      h("p", { class: "muted" }, `${WHY[why]} Lägg passet i din kalender i stället, så får du en påminnelse därifrån.`),
      h("a", { class: "btn btn-wide", href: `/api/shifts/${shiftId}/calendar.ics`, download: "" }, "Lägg till i kalendern"),
    );
  const on = (minutes) =>
    replace(
      box,
      h("p", {}, `Påminnelser är på: ${leadText(minutes)} före passet.`),
      h("button", { type: "button", class: "btn btn-quiet", on: { click: off } }, "Stäng av påminnelser"),
    );
  const offer = () =>
    replace(
      box,
      h("button", { type: "button", class: "btn btn-wide", on: { click: ask } }, "Påminn mig"),
      h("p", { class: "muted" }, "Du får en avisering före passet. Detaljerna ser du i appen."),
    );
  async function ask() {
    try {
      on(await subscribePush());
    } catch (error) {
      calendar(error.message === "denied" ? "denied" : "failed");
    }
  }
  async function off() {
    await forgetPush();
    offer();
  }
  const why = pushUnavailable();
  if (why) {
    calendar(why);
  } else {
    offer();
    // Already on in this browser: say so (and tell the server again, e.g. after a new sign-in).
    if (Notification.permission === "granted") {
      existing()
        .then((s) => (s ? subscribePush().then(on) : null))
        .catch(() => {});
    }
  }
  return box;
}
