// Imported by both apps: the phone (pwa/js/home.js) and the staff pages (pwa/admin/organiser.js,
// quality.js, shifts.js).
// The one way to ask before an action that cannot be taken back.
//
// confirmAction({ title, text, yes, no, danger }) opens a modal <dialog> and resolves true when
// the person chose `yes`, false on `no`, Escape or closing. `text` may be a string or an array
// of paragraphs; `danger` styles the yes-button as destructive. Focus starts on `no`, so a
// stray tap never confirms. An optional `alt` (a label) adds a third, destructive choice that
// resolves "alt" (the phone's logout: "Radera allt på telefonen").

import { h } from "./dom.js";

let counter = 0;

export function confirmAction({ title, text, yes, no = "Avbryt", danger = true, id, alt }) {
  const titleId = `confirm-title-${++counter}`;
  const paragraphs = (Array.isArray(text) ? text : [text]).filter(Boolean);
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm-dialog", id: id || false, "aria-labelledby": titleId });
    const finish = (answer) => {
      if (dialog.open) dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const noButton = h("button", { type: "button", class: "btn confirm-no", on: { click: () => finish(false) } }, no);
    const yesButton = h(
      "button",
      { type: "button", class: `btn confirm-yes${danger ? " danger" : ""}`, on: { click: () => finish(true) } },
      yes,
    );
    const altButton = alt
      ? h("button", { type: "button", class: "btn confirm-alt danger", on: { click: () => finish("alt") } }, alt)
      : null;
    dialog.append(
      h("h2", { id: titleId }, title),
      ...paragraphs.map((p) => h("p", {}, p)),
      h("div", { class: "confirm-actions" }, noButton, yesButton, altButton),
    );
    dialog.addEventListener("cancel", () => finish(false));
    document.body.append(dialog);
    dialog.showModal();
    noButton.focus();
  });
}
