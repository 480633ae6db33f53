// Campaigns on the phone (docs/PRODUCT.md, "Campaigns and channels"): which run today for an
// AK, from the copy data.js keeps in IndexedDB, so all of this works offline; which one the
// volunteer picked where two run at once (remembered); the picker. Loaded with import() by the
// district screen, the card (campaign-card.js) and channel.js: not part of the first load.

import { h, replace } from "../shared/dom.js";
import { kvGet, kvSet } from "./db.js";
import { stockholmDay } from "./outbox.js";

// Running today for the AK, the most recently started first (offered first).
export function activeCampaigns(data, ak) {
  const today = stockholmDay();
  return (data?.campaigns || [])
    .filter((c) => c.starts_on <= today && today <= c.ends_on && (!c.aks || c.aks.includes(ak)))
    .sort((a, b) => (a.starts_on < b.starts_on ? 1 : a.starts_on > b.starts_on ? -1 : b.id - a.id));
}

// The campaign a log made now in the AK carries: the volunteer's pick, else the newest.
export async function pickedCampaign(data, ak) {
  const active = activeCampaigns(data, ak);
  const picks = (await kvGet("campaign_pick")) || {};
  return active.find((c) => c.id === picks[ak]) || active[0] || null;
}

async function pick(ak, id) {
  const picks = (await kvGet("campaign_pick")) || {};
  await kvSet("campaign_pick", { ...picks, [ak]: id });
}

// "Kampanj: …", with a choice where two run at once; onPick(campaign) after every change.
// cardHref: where the samtalsstöd card opens (left out: no link).
export function campaignPicker(app, ak, { cardHref = null, onPick = () => {} } = {}) {
  const node = h("section", { class: "campaign-bar", id: "campaign-bar", "aria-labelledby": "campaign-label" });
  node.hidden = true;

  async function show() {
    const active = activeCampaigns(app.data, ak);
    const chosen = await pickedCampaign(app.data, ak);
    node.hidden = !chosen;
    if (!chosen) return onPick(null);
    const choice =
      active.length > 1
        ? h(
            "div",
            { class: "chips", role: "group", "aria-labelledby": "campaign-label" },
            active.map((c) =>
              h(
                "button",
                {
                  type: "button",
                  class: "chip chip-pick",
                  "aria-pressed": String(c.id === chosen.id),
                  dataset: { campaignId: String(c.id) },
                  on: { click: () => pick(ak, c.id).then(show) },
                },
                c.name,
              ),
            ),
          )
        : h("p", { class: "campaign-name" }, chosen.name);
    replace(
      node,
      h("p", { id: "campaign-label", class: "campaign-label" }, active.length > 1 ? "Vilken kampanj arbetar du för?" : "Kampanj"),
      choice,
      cardHref && chosen.guide
        ? h("a", { href: cardHref, "data-link": true, class: "btn btn-small", id: "open-card" }, "Samtalsstöd")
        : null,
    );
    onPick(chosen);
  }

  show();
  return { node, update: show };
}
