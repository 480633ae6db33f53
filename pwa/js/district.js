// District screen: one tap per door. The log is stored on the phone before anything else
// happens; after "Samtal" an optional quick step adds the campaign's answer, topics and
// whether the person joined. Every log made while a campaign runs carries its campaign_id.

import { h, replace } from "../shared/dom.js";
import { kvGet, kvSet } from "./db.js";
import { findDistrict } from "./district-list.js";
import { keep } from "./keep.js";
import { HOLD_MS, isoWithOffset, newId, outbox, stockholmDay } from "./outbox.js";
import { recentLogs } from "./recent.js";
import { shiftFor } from "./shift.js";
import { outcomeLabel } from "./status.js";
import { plural } from "./ui.js";

const UNDO_MS = 15000;
const OUTCOMES = ["conversation", "not_home", "declined", "no_access"];

export function renderDistrict(app, districtId) {
  const found = findDistrict(app.data || {}, districtId);
  const district = found?.district || { id: districtId, name: `Valdistrikt ${districtId}`, code: "" };
  let campaign = null; // the one this screen's logs carry (campaigns.js)
  const pickerBox = h("div", {});
  // Loaded when the screen opens (from the offline cache), so the first load does not carry it.
  let picker = { update() {} };
  import("./campaigns.js").then(({ campaignPicker }) => {
    picker = campaignPicker(app, district.ak || app.data?.me?.aks?.[0], {
      cardHref: `/d/${districtId}/stod`,
      onPick: (c) => (campaign = c),
    });
    replace(pickerBox, picker.node);
  }).catch(() => {}); // not stored offline yet: the doors are logged without a campaign
  const shiftText = h("p", { class: "shift-count", id: "shift-count", "aria-live": "polite" });
  const toast = h("div", { class: "toast", id: "undo-toast", role: "status" });
  const grid = h("div", { class: "outcomes", role: "group", "aria-label": "Vad hände vid dörren?" });
  const quick = h("section", { class: "quick card", id: "quick-step", "aria-labelledby": "quick-title" });
  quick.hidden = true;
  let shift = { district_id: districtId, day: stockholmDay(), doors: 0, conversations: 0 };
  let undoTimer = null;
  let held = null; // the conversation whose quick step is open
  let holdTimer = null;
  let busy = false;

  kvGet("shift").then((saved) => {
    if (saved && saved.district_id === districtId && saved.day === stockholmDay()) shift = saved;
    showShift();
  });

  function showShift() {
    shiftText.textContent = `Det här passet: ${plural(shift.doors, "dörr", "dörrar")}, varav ${plural(shift.conversations, "samtal", "samtal")}`;
    shiftText.dataset.doors = String(shift.doors);
  }

  async function countShift(outcome, delta) {
    shift.doors += delta;
    if (outcome === "conversation") shift.conversations += delta;
    showShift();
    await kvSet("shift", shift);
  }

  for (const outcome of OUTCOMES) {
    grid.append(
      h(
        "button",
        {
          type: "button",
          class: `btn outcome outcome-${outcome}`,
          dataset: { outcome },
          on: { click: (event) => log(outcome, event.timeStamp) },
        },
        outcomeLabel(outcome),
      ),
    );
  }

  async function log(outcome, tappedAt) {
    if (busy) return;
    busy = true;
    // Marked on the buttons while a log is being stored: a second tap then is ignored.
    grid.dataset.busy = "true";
    try {
      await finishQuickStep();
      const entry = {
        id: newId(),
        district_id: districtId,
        occurred_at: isoWithOffset(new Date()),
        outcome,
        topics: [],
        new_member: false,
        left_material: false,
      };
      // Made during a shift of this district: it counts for the shift's summary too.
      const shiftId = shiftFor(app.data, districtId);
      if (shiftId) entry.shift_id = shiftId;
      if (campaign) entry.campaign_id = campaign.id;
      const isConversation = outcome === "conversation";
      await outbox.addLog(entry, { hold: isConversation });
      // Tap to stored: measured in the browser, read by bench/pwa_first_load.py.
      performance.measure("knacka:tap-to-stored", { start: tappedAt, end: performance.now() });
      await countShift(outcome, 1);
      offerUndo(entry);
      recent.update();
      keep.logSaved();
      if (isConversation) openQuickStep(entry, campaign);
    } finally {
      busy = false;
      delete grid.dataset.busy;
    }
  }

  function offerUndo(entry) {
    clearTimeout(undoTimer);
    replace(
      toast,
      h("span", {}, `Sparat: ${outcomeLabel(entry.outcome)}.`),
      h(
        "button",
        {
          type: "button",
          class: "btn btn-small btn-quiet",
          id: "undo",
          on: { click: () => undo(entry) },
        },
        "Ångra",
      ),
    );
    toast.hidden = false;
    undoTimer = setTimeout(() => {
      toast.hidden = true;
      toast.replaceChildren();
    }, UNDO_MS);
  }

  async function undo(entry) {
    clearTimeout(undoTimer);
    if (held?.id === entry.id) closeQuickStep();
    await outbox.undo(entry.id);
    await undone(entry);
  }

  // After an undo from the toast or from "Senaste loggar": the shift count follows, if the
  // log was one of this shift's.
  async function undone(entry) {
    if (held?.id === entry.id) closeQuickStep();
    const when = new Date(entry.created_at ?? Date.parse(entry.occurred_at));
    if (entry.district_id === shift.district_id && stockholmDay(when) === shift.day && shift.doors > 0) {
      await countShift(entry.outcome, -1);
    }
    clearTimeout(undoTimer);
    replace(toast, h("span", {}, `Ångrat: ${outcomeLabel(entry.outcome)}.`));
    toast.hidden = false;
    undoTimer = setTimeout(() => {
      toast.hidden = true;
    }, 4000);
    recent.update();
  }

  function toggle(label, id) {
    return h(
      "button",
      {
        type: "button",
        class: "chip",
        id,
        "aria-pressed": "false",
        on: {
          click: (event) => {
            const button = event.currentTarget;
            button.setAttribute("aria-pressed", String(button.getAttribute("aria-pressed") !== "true"));
          },
        },
      },
      label,
    );
  }

  function openQuickStep(entry, campaign) {
    held = { id: entry.id };
    // The outbox lets a held log go after HOLD_MS: close the step before, so nothing is lost.
    holdTimer = setTimeout(() => finishQuickStep(), HOLD_MS - 5000);
    const all = app.data?.topics || [];
    // A campaign that offers topics offers only those (others would be dropped by the server).
    const topics = campaign?.topics?.length
      ? campaign.topics.map((slug) => all.find((t) => t.slug === slug) || { slug, label: slug })
      : all;
    const question = campaign?.question;
    let answer = null; // an option's index: one tap picks it, a second tap takes it back
    const options = (question?.options || []).map((text, i) =>
      h(
        "button",
        {
          type: "button",
          class: "chip chip-answer",
          "aria-pressed": "false",
          dataset: { answer: String(i) },
          on: {
            click: () => {
              answer = answer === i ? null : i;
              options.forEach((b, j) => b.setAttribute("aria-pressed", String(j === answer)));
            },
          },
        },
        text,
      ),
    );
    const chips = topics.map((t) => {
      const chip = toggle(t.label);
      chip.dataset.topic = t.slug;
      return chip;
    });
    const member = toggle("Blev medlem", "new-member");
    const material = toggle("Lämnade material", "left-material");
    member.className = material.className = "chip chip-fact";
    held.read = () => ({
      topics: chips.filter((c) => c.getAttribute("aria-pressed") === "true").map((c) => c.dataset.topic),
      new_member: member.getAttribute("aria-pressed") === "true",
      left_material: material.getAttribute("aria-pressed") === "true",
      ...(answer === null ? {} : { answer }),
    });
    replace(
      quick,
      h("h2", { id: "quick-title" }, "Samtal sparat"),
      question
        ? [
            h("p", { id: "question-label", class: "question" }, question.text),
            h("div", { class: "chips answers", role: "group", "aria-labelledby": "question-label" }, options),
          ]
        : null,
      topics.length
        ? [
            h("p", { id: "topics-label" }, "Vad pratade ni om? (frivilligt)"),
            h("div", { class: "chips", role: "group", "aria-labelledby": "topics-label" }, chips),
          ]
        : null,
      // What happened, apart from what was talked about: another look, its own heading.
      h(
        "div",
        { class: "facts" },
        h("p", { id: "facts-label" }, "Hände något mer?"),
        h("div", { class: "facts-row", role: "group", "aria-labelledby": "facts-label" }, member, material),
      ),
      // Kept at the foot of the screen however many topics there are.
      h(
        "div",
        { class: "quick-done-bar" },
        h(
          "button",
          { type: "button", class: "btn btn-primary btn-wide", id: "quick-done", on: { click: () => finishQuickStep(true) } },
          "Klar",
        ),
      ),
    );
    quick.hidden = false;
    grid.hidden = true;
    pickerBox.hidden = true; // the held log keeps the campaign it was made with
    quick.querySelector("h2").setAttribute("tabindex", "-1");
    quick.querySelector("h2").focus();
  }

  function closeQuickStep() {
    clearTimeout(holdTimer);
    held = null;
    quick.hidden = true;
    quick.replaceChildren();
    grid.hidden = false;
    pickerBox.hidden = false;
    picker.update();
  }

  async function finishQuickStep(focusGrid = false) {
    if (!held) return;
    const { id, read } = held;
    const details = read();
    closeQuickStep();
    await outbox.finishHeld(id, details);
    if (details.new_member) app.rerender?.();
    if (focusGrid) grid.querySelector("button")?.focus();
  }

  toast.hidden = true;
  const recent = recentLogs(app, { districtId, onUndone: (m) => undone(m) });
  let map = null; // the map below the buttons, once loaded
  let left = false;

  // Only a district with an imported outline loads the map code (not part of the first load).
  function showMap() {
    if (map || !app.data?.outlines?.[districtId]?.geojson) return;
    map = import("./district-map.js")
      .then(({ districtMap }) => {
        if (left) return null;
        const view = districtMap(app, districtId);
        node.append(view.node); // last on the screen: the buttons never move
        return view;
      })
      .catch(() => null); // no map is better than a broken screen: logging goes on
  }
  const node = h(
    "section",
    { class: "screen" },
    h("a", { href: "/", "data-link": true, class: "back" }, "← Alla valdistrikt"),
    h("h1", {}, district.name),
    district.code ? h("p", { class: "muted" }, `Valdistrikt ${district.code}`) : null,
    shiftText,
    pickerBox,
    quick,
    grid,
    toast,
    recent.node,
  );
  showShift();
  showMap();
  return {
    node,
    update() {
      showMap(); // figures refreshed: an outline may just have arrived
      if (!held) picker.update(); // a campaign may just have arrived
      recent.update();
    },
    outboxChanged() {
      recent.update(); // a log was acknowledged: its line says so
    },
    leave() {
      left = true;
      recent.leave();
      clearTimeout(undoTimer);
      map?.then((view) => view?.leave());
      // Leaving the screen sends the conversation as it is.
      finishQuickStep();
    },
  };
}

