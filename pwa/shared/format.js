// Imported by both apps: the phone (pwa/js/ui.js, pwa/js/home.js) and the staff pages
// (pwa/admin/api.js, campaigns.js, charts.js, organiser.js, shifts.js, staff.js). Swedish number
// formats and waits.

const number = new Intl.NumberFormat("sv-SE");
const percent = new Intl.NumberFormat("sv-SE", { style: "percent", maximumFractionDigits: 0 });

// 12345 → "12 345"; a missing figure counts as 0.
export const fmt = (n) => number.format(n ?? 0);

// The share of a goal: "–" when there is no goal (0 or missing), so "0 %" always means a goal
// that nothing has counted towards yet.
export const pct = (part, whole) => (whole > 0 ? percent.format(part / whole) : "–");

// How long to wait, in words: 40 000 ms → "en minut", 600 000 ms → "10 minuter".
export const waitText = (ms) => {
  const minutes = Math.max(1, Math.ceil(ms / 60000));
  return minutes === 1 ? "en minut" : `${minutes} minuter`;
};
