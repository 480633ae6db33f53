// The samtalsstöd card (/d/ID/stod): the campaign picked for the district's AK, its guide in
// large text, its question and answers; from IndexedDB, so it opens offline. Loaded with
// import() by app.js: not part of the first load.

import { h, replace } from "../shared/dom.js";
import { pickedCampaign } from "./campaigns.js";

export function renderCampaignCard(app, districtId, ak) {
  const back = h("a", { href: `/d/${districtId}`, "data-link": true, class: "back" }, "← Tillbaka till dörrarna");
  const body = h("div", { class: "guide" });
  const node = h("section", { class: "screen campaign-card" }, back, h("h1", {}, "Samtalsstöd"), body);
  pickedCampaign(app.data, ak).then((c) => {
    if (!c) return replace(body, h("p", {}, "Ingen kampanj pågår här i dag."));
    replace(
      body,
      h("h2", {}, c.name),
      c.guide.split(/\n{2,}/).map((part) => h("p", {}, part)),
      c.question
        ? h(
            "section",
            { class: "card", "aria-labelledby": "card-question" },
            h("h2", { id: "card-question" }, c.question.text),
            h("ul", {}, c.question.options.map((o) => h("li", {}, o))),
          )
        : null,
    );
  });
  return { node };
}
