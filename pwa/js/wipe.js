// "Radera allt på telefonen": after logout the phone keeps nothing of Knacka: the IndexedDB
// database (token, cached answers, outbox, this phone's own logs), local and session storage,
// every cache, and the service worker. Afterwards the page shows a last screen and opens no
// database again (reloading the app would start a new, empty one).

import { h } from "../shared/dom.js";

function deleteDatabase(name) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    // An open connection closes itself on "versionchange" (pwa/js/db.js); deletion then goes on.
    request.onblocked = () => {};
  });
}

export async function wipePhone() {
  const names = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : ["knacka"];
  for (const name of names) if (name) await deleteDatabase(name);
  try {
    localStorage.clear();
    sessionStorage.clear();
  } catch {
    /* storage switched off: nothing kept there */
  }
  if ("caches" in self) for (const key of await caches.keys()) await caches.delete(key);
  if (navigator.serviceWorker) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  }
}

export function showWiped() {
  const main = document.getElementById("main");
  main.replaceChildren(wipedScreen());
  main.querySelector("h1")?.focus();
}

function wipedScreen() {
  return h(
    "section",
    { class: "screen", id: "wiped" },
    h("h1", { tabindex: "-1" }, "Allt är raderat från telefonen"),
    h("p", {}, "Knacka har inte kvar något på den här telefonen. Du kan stänga sidan."),
    h("p", {}, "Vill du knacka igen öppnar du en ny inbjudningslänk från din organisatör."),
  );
}
