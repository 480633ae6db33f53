// "Senaste loggar": this phone's own logs that may still be undone, each with "Ångra", for as
// long as the server lets the author void it (its window comes with /api/me; without it only
// logs not yet sent are offered). Used by the district screen (its own district) and home.

import { h, replace } from "../shared/dom.js";
import { outbox } from "./outbox.js";
import { outcomeLabel } from "./status.js";
import { hhmm } from "./ui.js";

const RECHECK_MS = 20 * 1000;

export function recentLogs(app, { districtId = null, onUndone = () => {} } = {}) {
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
    const shown = all.filter((m) => districtId === null || m.district_id === districtId).slice(0, 10);
    if (!alive) return;
    node.hidden = shown.length === 0;
    const names = districtNames(app.data);
    replace(
      list,
      shown.map((m) => {
        const where = districtId === null ? `, ${names.get(m.district_id) || `valdistrikt ${m.district_id}`}` : "";
        const what = `${outcomeLabel(m.outcome)}${where}, kl. ${hhmm(m.created_at)}`;
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

function districtNames(data) {
  const names = new Map();
  for (const d of data?.districts || []) names.set(d.district.id, d.district.name);
  for (const a of data?.assignments || []) names.set(a.district.id, a.district.name);
  return names;
}
