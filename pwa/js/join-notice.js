// The join notice (GDPR art. 13), shown on the invite screen before "Börja knacka": two plain
// sentences, and "Läs mer" opening the full notice (pwa/shared/notice.js).

import { h } from "../shared/dom.js";
import { noticeFull, noticeShort } from "../shared/notice.js";

export function joinNotice() {
  const details = h("details", { class: "notice-more", id: "notice-more" }, h("summary", {}, "Läs mer"));
  let filled = false;
  details.addEventListener("toggle", () => {
    if (!details.open || filled) return;
    filled = true;
    details.append(noticeFull("volunteer"));
  });
  return h(
    "section",
    { class: "notice card", id: "join-notice", "aria-labelledby": "join-notice-title" },
    h("h2", { id: "join-notice-title" }, "Om dina uppgifter"),
    ...noticeShort("volunteer"),
    details,
  );
}
