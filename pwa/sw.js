// Knacka's service worker. The server writes the version (a hash over every app file) and
// the list of files to keep offline into this file when it serves /sw.js.
const VERSION = "__SW_VERSION__";
const PRECACHE = "__SW_PRECACHE__";
const PREFIX = "knacka-shell-";
const CACHE = PREFIX + VERSION;
const SHELL = "/index.html";

self.addEventListener("install", (event) => {
  // Installing waits until every file is stored; a half-filled cache is never used.
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(
        (Array.isArray(PRECACHE) ? PRECACHE : [SHELL]).map(
          (path) => new Request(path, { cache: "no-cache" }),
        ),
      ),
    ),
  );
  // No skipWaiting here: a new version waits until the volunteer chooses to reload.
});

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
    event.respondWith(url.pathname.startsWith("/admin") ? networkFirst(request) : shell(request));
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

async function networkFirst(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await caches.match("/admin.html", { cacheName: CACHE });
    if (cached) return cached;
    throw error;
  }
}
