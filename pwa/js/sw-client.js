// Registers the service worker and offers a new version; the page is never reloaded
// unless the volunteer asks for it, so nobody is interrupted in the middle of logging.

const CHECK_EVERY_MS = 30 * 60 * 1000;

export function registerServiceWorker(app) {
  if (!("serviceWorker" in navigator)) return;
  let asked = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (asked) location.reload();
  });
  const offer = (worker) => {
    // The first install has no controller: nothing to offer then.
    if (!navigator.serviceWorker.controller) return;
    app.offerUpdate?.(() => {
      asked = true;
      worker.postMessage({ type: "skip-waiting" });
    });
  };
  navigator.serviceWorker
    .register("/sw.js", { scope: "/", updateViaCache: "none" })
    .then((registration) => {
      app.registration = registration;
      if (registration.waiting) offer(registration.waiting);
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        worker?.addEventListener("statechange", () => {
          if (worker.state === "installed") offer(worker);
        });
      });
      const check = () => registration.update().catch(() => {});
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") check();
      });
      window.addEventListener("online", check);
      setInterval(check, CHECK_EVERY_MS);
    })
    .catch(() => {
      /* Without a service worker the app still works online. */
    });
}
