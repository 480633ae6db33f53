// Imported by both apps' API clients and their callers: the phone (pwa/js/api.js, data.js,
// join.js, outbox.js, outlines.js, shift.js) and the staff pages (pwa/admin/api.js).
//
// One shape for a request that did not give the expected answer:
//   kind          "network" (no answer at all), "http" (an error status) or "not_json"
//                 (a 2xx that is not our JSON, e.g. a captive portal's page)
//   status        the HTTP status, 0 when there was no answer
//   code          the server's stable error code ("" when it sent none)
//   detail        the server's own text, when it sent one
//   retryAfterMs  the server's Retry-After in ms, when it sent one
//   message       what a person may read; each app words it (defaults to kind, status, code)

export class ApiError extends Error {
  constructor({ kind = "http", status = 0, code = "", detail = null, retryAfterMs = null, message } = {}) {
    super(message ?? `${kind} ${status} ${code}`);
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
  }
}

// The server's Retry-After in ms (seconds or an HTTP date), or null when it sent none.
export function retryAfterMs(response, now = Date.now()) {
  const value = response.headers.get("Retry-After");
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
