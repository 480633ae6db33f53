// A conversation at a workplace or a street stall, market or event: it names the AK only,
// outcome Samtal or Nej tack, whether the person joined and the campaign; never topics, an
// answer, or the place or employer (docs/PRODUCT.md, "Campaigns and channels").

import { h, replace } from "../shared/dom.js";
import { kvGet, kvSet } from "./db.js";
import { campaignPicker } from "./campaigns.js";
import { isoWithOffset, newId, outbox } from "./outbox.js";
import { recentLogs } from "./recent.js";
import { outcomeLabel } from "./status.js";
import { plural } from "./ui.js";

const CHANNELS = [
  ["workplace", "Arbetsplats"],
  ["stall", "Torg, stand eller evenemang"],
];

export function renderChannel(app) {
  const aks = app.data?.me?.aks || [];
  const akName = (slug) => app.data?.totals?.aks?.find((a) => a.ak === slug)?.name || slug;
  let ak = aks[0];
  let channel = "workplace";
  let campaign = null;
  let busy = false;

  function choice(label, id, items, current, onChoose) {
    const buttons = items.map(([value, text]) =>
      h(
        "button",
        {
          type: "button",
          class: "chip chip-pick",
          "aria-pressed": String(value === current),
          dataset: { value },
          on: {
            click: () => {
              buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.value === value)));
              onChoose(value);
            },
          },
        },
        text,
      ),
    );
    return [h("p", { id, class: "campaign-label" }, label), h("div", { class: "chips", role: "group", "aria-labelledby": id }, buttons)];
  }

  const where = h("div", {});
  kvGet("channel_pick").then((saved) => {
    if (saved === "stall") channel = saved;
    replace(where, choice("Var pratade ni?", "where-label", CHANNELS, channel, (v) => kvSet("channel_pick", (channel = v))));
  });
  const pickerBox = h("div", {});
  let picker = null;
  function showPicker() {
    picker = campaignPicker(app, ak, { onPick: (c) => (campaign = c) });
    replace(pickerBox, picker.node);
  }
  showPicker();

  const member = h(
    "button",
    {
      type: "button",
      class: "chip chip-fact",
      id: "new-member",
      "aria-pressed": "false",
      on: { click: () => member.setAttribute("aria-pressed", String(member.getAttribute("aria-pressed") !== "true")) },
    },
    "Blev medlem",
  );
  const toast = h("div", { class: "toast", id: "undo-toast", role: "status" });
  toast.hidden = true;
  const countText = h("p", { class: "shift-count", id: "channel-count", "aria-live": "polite" });
  let undoTimer = null;

  async function showCount() {
    const today = await outbox.today(null);
    countText.textContent = `Här i dag: ${plural(today.channel_conversations, "samtal", "samtal")}`;
    countText.dataset.conversations = String(today.channel_conversations);
  }

  async function log(outcome) {
    if (busy || !ak) return;
    busy = true;
    try {
      const entry = {
        id: newId(),
        channel,
        ak,
        occurred_at: isoWithOffset(new Date()),
        outcome,
        // Joining happens in a conversation: "Nej tack" never carries it.
        new_member: outcome === "conversation" && member.getAttribute("aria-pressed") === "true",
      };
      if (campaign) entry.campaign_id = campaign.id;
      await outbox.addLog(entry);
      member.setAttribute("aria-pressed", "false");
      clearTimeout(undoTimer);
      replace(
        toast,
        h("span", {}, `Sparat: ${outcomeLabel(outcome)}${entry.new_member ? ", ny medlem" : ""}.`),
        h(
          "button",
          {
            type: "button",
            class: "btn btn-small btn-quiet",
            id: "undo",
            on: {
              click: async () => {
                toast.hidden = true;
                await outbox.undo(entry.id);
                update();
              },
            },
          },
          "Ångra",
        ),
      );
      toast.hidden = false;
      undoTimer = setTimeout(() => (toast.hidden = true), 15000);
      update();
    } finally {
      busy = false;
    }
  }

  const outcomes = h(
    "div",
    { class: "outcomes", role: "group", "aria-label": "Hur gick samtalet?" },
    ["conversation", "declined"].map((outcome) =>
      h(
        "button",
        { type: "button", class: `btn outcome outcome-${outcome}`, dataset: { outcome }, on: { click: () => log(outcome) } },
        outcomeLabel(outcome),
      ),
    ),
  );
  const recent = recentLogs(app, { channels: true, onUndone: () => update() });

  function update() {
    showCount();
    recent.update();
  }

  const node = h(
    "section",
    { class: "screen" },
    h("a", { href: "/", "data-link": true, class: "back" }, "← Startsidan"),
    h("h1", {}, "Arbetsplats eller torg"),
    aks.length > 1
      ? choice("Arbetarekommun", "ak-label", aks.map((s) => [s, akName(s)]), ak, (v) => {
          ak = v;
          showPicker();
        })
      : h("p", { class: "ak-name" }, ak ? akName(ak) : "Anslut till nätet en gång för att hämta din arbetarekommun."),
    h(
      "p",
      { class: "card privacy-line", id: "channel-why" },
      "Här sparas bara arbetarekommunen, inte platsen, arbetsgivaren eller vad ni pratade om. Det som sägs på en arbetsplats kan avslöja om någon är med i facket.",
    ),
    where,
    pickerBox,
    countText,
    h("div", { class: "facts" }, h("p", { id: "member-label" }, "Blev personen medlem?"), h("div", { class: "facts-row", role: "group", "aria-labelledby": "member-label" }, member)),
    outcomes,
    toast,
    recent.node,
  );
  update();
  return {
    node,
    update() {
      picker?.update();
      update();
    },
    outboxChanged: () => recent.update(),
    leave() {
      clearTimeout(undoTimer);
      recent.leave();
    },
  };
}
