// The privacy notice (GDPR art. 13) for staff and organisers, shown at first sign-in until
// they acknowledge it once; the acknowledgement is stored on the account (POST /api/me/notice).

import { h } from "../shared/dom.js";
import { noticeFull, noticeShort } from "../shared/notice.js";
import { api } from "./api.js";

export function needsNotice(me) {
  return Boolean(me) && (me.role === "staff" || me.role === "organiser") && !me.notice_acknowledged_at;
}

export function noticeView(me, onDone) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const button = h(
    "button",
    {
      type: "button",
      id: "notice-ack",
      on: {
        click: async () => {
          button.disabled = true;
          error.hidden = true;
          try {
            await api("/me/notice", { method: "POST" });
            me.notice_acknowledged_at = new Date().toISOString();
            onDone();
          } catch (err) {
            error.textContent = err.message;
            error.hidden = false;
            button.disabled = false;
          }
        },
      },
    },
    "Jag har läst",
  );
  return h(
    "section",
    { id: "admin-notice" },
    h("h1", {}, "Om dina uppgifter"),
    ...noticeShort("staff"),
    h("details", { class: "notice-more" }, h("summary", {}, "Läs mer"), noticeFull("staff")),
    h("p", {}, "Du ser uppgifter om andra personer: använd dem bara för att organisera knackningen, och visa dem inte för någon utanför partiet."),
    error,
    button,
  );
}
