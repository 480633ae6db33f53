// The staff pages' form fields, error lines and dates. Elements are built with h() from
// pwa/shared/dom.js (no innerHTML, strict CSP); numbers are formatted by pwa/shared/format.js.

import { h } from "../shared/dom.js";

export const dateText = (iso) =>
  new Intl.DateTimeFormat("sv-SE", { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));

// A form field with its label and an error line; `input` gets an id tied to the label.
let fieldId = 0;
export function field(label, input, hint) {
  const id = `f${++fieldId}`;
  input.id = id;
  const parts = [h("label", { for: id }, label)];
  if (hint) {
    const hintId = `${id}-hint`;
    input.setAttribute("aria-describedby", hintId);
    parts.push(h("span", { class: "hint", id: hintId }, hint));
  }
  return h("div", { class: "field" }, parts, input);
}

// The one place a form reports an error: a role=alert line the screen reader reads out.
export function errorLine() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

export function showError(line, err) {
  line.textContent = err ? err.message || String(err) : "";
  line.hidden = !err;
}

export function isoToday() {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

// The server's QR SVG (standalone, with its namespace) as an <img> source: an image never runs
// scripts, and no markup is inserted into the page.
export function svgImageUrl(svg) {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
