// Small DOM helpers: elements are built, never parsed from strings (no injection, strict CSP).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const number = new Intl.NumberFormat("sv-SE");
const percent = new Intl.NumberFormat("sv-SE", { style: "percent", maximumFractionDigits: 0 });
export const fmt = (n) => number.format(n ?? 0);
export const pct = (part, whole) => (whole ? percent.format(part / whole) : "–");

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
