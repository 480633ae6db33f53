// Small DOM helpers: elements are built with h(), never from HTML strings.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "on") {
      for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key in el && typeof value !== "string") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : value);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const number = new Intl.NumberFormat("sv-SE");
export const fmt = (n) => number.format(n ?? 0);

const percent = new Intl.NumberFormat("sv-SE", { style: "percent", maximumFractionDigits: 0 });
export const pct = (part, whole) => percent.format(whole > 0 ? part / whole : 0);

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
