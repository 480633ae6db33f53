// Knacka's service worker. The server writes the version (a hash over every app file) and
// the list of files to keep offline into this file when it serves /sw.js.
const VERSION = "__SW_VERSION__";
const PRECACHE = "__SW_PRECACHE__";
const PREFIX = "knacka-shell-";
const CACHE = PREFIX + VERSION;
const SHELL = "/index.html";

self.addEventListener("install", (event) => {
  // Installing waits until every file is stored; a half-filled cache is never used.
  // No skipWaiting here: a new version waits until the volunteer chooses to reload.
  event.waitUntil(precache());
});

// Each file is taken from the browser's HTTP cache when it holds exactly this version (the
// ETag the server wrote into PRECACHE), so a first visit or an update downloads only what
// changed; anything else is fetched again, and a file of another version fails the install.
async function precache() {
  const cache = await caches.open(CACHE);
  const files = Array.isArray(PRECACHE) ? PRECACHE : [{ url: SHELL, etag: null }];
  await Promise.all(
    files.map(async ({ url, etag }) => {
      const matches = (r) => r.ok && (etag === null || r.headers.get("ETag") === etag);
      let response = await fetch(url, { cache: "force-cache" });
      if (!matches(response)) response = await fetch(url, { cache: "no-cache" });
      if (!matches(response)) throw new Error(`${url} is not part of version ${VERSION}`);
      await cache.put(url, response);
    }),
  );
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // The API is never cached here: logs and figures always come from the server.
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname === "/sw.js") return;
  if (request.mode === "navigate") {
    // The staff pages are not kept offline (api/pwa.py leaves them out of PRECACHE).
    event.respondWith(url.pathname.startsWith("/admin") ? fetch(request) : shell(request));
    return;
  }
  event.respondWith(cacheFirst(request));
});

// Every volunteer route (/, /join/CODE, /d/ID) is the same page: serve it from the cache.
async function shell(request) {
  const cached = await caches.match(SHELL, { cacheName: CACHE });
  return cached || fetch(request);
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE, ignoreSearch: true });
  return cached || fetch(request);
}

// Web Push: the text comes from the server and is neutral (no party, no meeting point), since
// a lock screen shows it; one tag per shift, so a repeated push replaces the first.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data?.json() ?? {};
  } catch {
    /* not ours: the neutral default below */
  }
  const url = typeof data.url === "string" && data.url.startsWith("/") ? data.url : "/";
  event.waitUntil(
    self.registration.showNotification(data.title || "Knackpass", {
      body: data.body || "Öppna Knacka för att se ditt knackpass.",
      tag: data.tag || "knackpass",
      renotify: true,
      icon: "/icons/icon-192.png",
      data: { url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      for (const client of await self.clients.matchAll({ type: "window" })) {
        if ("focus" in client) {
          await client.focus();
          return client.navigate?.(url);
        }
      }
      return self.clients.openWindow(url);
    })(),
  );
});
