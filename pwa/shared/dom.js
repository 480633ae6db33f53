// Imported by both apps: the phone (pwa/app.js; pwa/js/campaign-card.js, campaigns.js,
// channel.js, district.js, district-map.js, home.js, join.js, join-notice.js, keep.js, push.js,
// recent.js, shift.js, status.js, ui.js, wipe.js),
// pwa/shared/confirm.js, pwa/shared/notice.js, and the staff pages (pwa/admin/app.js, campaigns.js,
// district-map.js, dom.js, notice.js, organiser.js, plan.js, quality.js, shifts.js, staff.js).
// Elements are built with h(), never parsed from HTML strings (no injection, strict CSP).
//
// h(tag, props, ...children): props are set as attributes (true → present and empty;
// false, null and undefined → left out), except
//   class: "…"               the class list,
//   dataset: { key: "…" }    data-* attributes,
//   on: { click: fn, … }     event listeners (the only way: "onclick" is refused, since as an
//                            attribute it would be inline script, which the CSP blocks).
// Children may be nested arrays; null, undefined and false are skipped; anything that is not a
// Node becomes text.

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
    } else if (typeof value === "function") {
      throw new TypeError(`h(): listeners go in on: { … }, not "${key}"`);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
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

// Empties el and appends children the way h() does.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
