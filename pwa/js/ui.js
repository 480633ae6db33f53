// The phone's own screen helpers: times, plurals, the progress bar, focus. Elements are built
// with h() from pwa/shared/dom.js, numbers formatted by pwa/shared/format.js.

import { h } from "../shared/dom.js";
import { fmt } from "../shared/format.js";

const clock = new Intl.DateTimeFormat("sv-SE", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZone: "Europe/Stockholm",
});
export const time = (ms) => clock.format(new Date(ms));

const shortClock = new Intl.DateTimeFormat("sv-SE", {
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "Europe/Stockholm",
});
export const hhmm = (value) => shortClock.format(new Date(value));

export const plural = (n, one, many) => `${fmt(n)} ${n === 1 ? one : many}`;

// A bar whose width is set through the CSSOM (the CSP allows no inline style attributes).
export function bar(part, whole, label) {
  const fill = h("span", { class: "bar-fill" });
  fill.style.inlineSize = `${Math.min(100, whole > 0 ? (100 * part) / whole : 0)}%`;
  return h(
    "div",
    {
      class: "bar",
      role: "progressbar",
      "aria-label": label,
      "aria-valuemin": "0",
      "aria-valuemax": String(Math.max(whole, 0)),
      "aria-valuenow": String(Math.min(part, Math.max(whole, part))),
      "aria-valuetext": `${fmt(part)} av ${fmt(whole)}`,
    },
    fill,
  );
}

// Moves focus to a screen's heading so screen readers announce the new screen.
export function focusHeading(root) {
  const heading = root.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
}
