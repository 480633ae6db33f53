// "Senaste loggar": this phone's own logs that may still be undone, each with "Ångra", for as
// long as the server lets the author void it (its window comes with /api/me; without it only
// logs not yet sent are offered). Used by the district screen (its own district), the
// workplace and stall screen (those logs only) and home (all).

import { h, replace } from "../shared/dom.js";
import { outbox } from "./outbox.js";
import { districtNames, logWhat, outcomeLabel } from "./status.js";
import { hhmm } from "./ui.js";

const RECHECK_MS = 20 * 1000;

export function recentLogs(app, { districtId = null, channels = false, onUndone = () => {} } = {}) {
  const list = h("ul", { class: "recent-list" });
  const node = h(
    "section",
    { class: "recent card", id: "recent-logs", "aria-labelledby": "recent-title" },
    h("h2", { id: "recent-title" }, "Senaste loggar"),
    list,
  );
  node.hidden = true;
  let alive = true;

  async function update() {
    if (!alive) return;
    const minutes = app.data?.me?.void_window_minutes ?? 0;
    const all = await outbox.recent(minutes * 60 * 1000);
    const here = (m) =>
      districtId !== null ? m.district_id === districtId : !channels || (m.channel && m.channel !== "door");
    const shown = all.filter(here).slice(0, 10);
    if (!alive) return;
    node.hidden = shown.length === 0;
    const names = districtNames(app.data);
    replace(
      list,
      shown.map((m) => {
        const what = `${districtId === null ? logWhat(m, names) : outcomeLabel(m.outcome)}, kl. ${hhmm(m.created_at)}`;
        return h(
          "li",
          { class: "recent-item", dataset: { id: m.id } },
          h(
            "span",
            {},
            what,
            h("span", { class: "muted recent-state" }, m.acked_at === null ? " · väntar på att skickas" : " · skickad"),
          ),
          h(
            "button",
            {
              type: "button",
              class: "btn btn-small btn-quiet recent-undo",
              "aria-label": `Ångra: ${what}`,
              on: {
                click: async (event) => {
                  event.currentTarget.disabled = true;
                  await outbox.undo(m.id);
                  await onUndone(m);
                  await update();
                },
              },
            },
            "Ångra",
          ),
        );
      }),
      minutes
        ? h("li", { class: "muted recent-note" }, `Du kan ångra en logg i ${minutes} minuter efter att den skickats.`)
        : null,
    );
  }

  const timer = setInterval(update, RECHECK_MS);
  update();
  return {
    node,
    update,
    leave() {
      alive = false;
      clearInterval(timer);
    },
  };
}
