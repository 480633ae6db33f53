// Placeholder service worker; the volunteer PWA replaces it. Version: __SW_VERSION__
self.addEventListener("install", () => self.skipWaiting());
