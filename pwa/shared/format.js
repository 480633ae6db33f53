// Imported by both apps: the phone (pwa/js/ui.js, pwa/js/home.js) and the staff pages
// (pwa/admin/campaigns.js, charts.js, organiser.js, staff.js). Swedish number formats.

const number = new Intl.NumberFormat("sv-SE");
const percent = new Intl.NumberFormat("sv-SE", { style: "percent", maximumFractionDigits: 0 });

// 12345 → "12 345"; a missing figure counts as 0.
export const fmt = (n) => number.format(n ?? 0);

// The share of a goal: "–" when there is no goal (0 or missing), so "0 %" always means a goal
// that nothing has counted towards yet.
export const pct = (part, whole) => (whole > 0 ? percent.format(part / whole) : "–");
