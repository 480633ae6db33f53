// The district screen's map: the outline kept offline, "Källa: Valmyndigheten", and "du är
// här" with a plain-language hint. Loaded by district.js only for a district with an outline.
// The position is asked for only when the volunteer taps "Visa var jag är", is used on the
// phone only (map.js makes no request and stores nothing), and is never sent or stored.

import { h } from "../shared/dom.js";
import { drawDistrict } from "../shared/map.js";

export function districtMap(app, districtId) {
  const geojson = app.data.outlines[districtId].geojson;
  const holder = h("div", { class: "district-map", id: "district-map" });
  const button = h("button", { type: "button", class: "btn btn-wide", id: "show-position" }, "Visa var jag är");
  const node = h(
    "section",
    { class: "card map-card", "aria-labelledby": "map-title" },
    h("h2", { id: "map-title" }, "Karta"),
    holder,
    button,
    h("p", { class: "muted" }, "Din position stannar i telefonen. Den skickas inte och sparas inte."),
  );
  let following = false;
  const config = app.data?.mapConfig || {};
  // Basemap tiles only when configured; map.js also leaves them out while offline.
  // The volunteer's other districts kept on the phone: outside this one, the hint names the
  // one they are in.
  const others = Object.entries(app.data.outlines || {})
    .filter(([id, kept]) => Number(id) !== districtId && kept?.geojson)
    .flatMap(([, kept]) => kept.geojson.features || []);
  const map = drawDistrict(holder, geojson, {
    others,
    tileUrl: config.tile_url || undefined,
    tileAttribution: config.tile_attribution || undefined,
  });
  button.addEventListener("click", () => {
    following = !following;
    if (following) map.follow();
    else {
      map.stop();
      map.setPosition(null);
    }
    button.textContent = following ? "Sluta visa var jag är" : "Visa var jag är";
  });
  return {
    node,
    leave() {
      map.stop(); // stop watching the position when the screen closes
    },
  };
}
