// The AK's districts on a map, shaded by conversations this year — or per 1 000 people entitled
// to vote where Valmyndigheten's figure is known. Prioritised districts are hatched (map.js).

import { h } from "../shared/dom.js";
import { api } from "./api.js";

export async function districtMap(year, akSlug, perDistrict) {
  const box = h("div", { class: "map-box" });
  try {
    const [{ drawChoropleth, perThousandVoters }, geometry] = await Promise.all([
      import("../shared/map.js"),
      api(`/districts/geometry?ak=${encodeURIComponent(akSlug)}&year=${year}`),
    ]);
    if (!geometry.features || !geometry.features.length) {
      box.append(h("p", {}, "Det finns ingen karta för den här arbetarekommunen än."));
      return box;
    }
    const counts = Object.fromEntries(perDistrict.map((r) => [r.district_id, r.conversations]));
    const perThousand = perThousandVoters(counts, geometry);
    const known = [...perThousand.values()].some((v) => v !== null);
    const mapArea = h("div", {});
    const draw = (relative) => drawChoropleth(mapArea, geometry, relative
      ? { values: perThousand, legendTitle: `Samtal per 1 000 röstberättigade ${year}`, unit: "per 1 000", title: "Valdistrikten efter samtal per 1 000 röstberättigade" }
      : { values: counts, legendTitle: `Samtal ${year}`, unit: "samtal", title: "Valdistrikten efter antal samtal" });
    if (known) {
      const toggle = h("input", { type: "checkbox", name: "per-thousand", on: { change: (e) => draw(e.target.checked) } });
      box.append(h("label", { class: "check" }, toggle, " Visa per 1 000 röstberättigade"));
    }
    box.append(mapArea);
    draw(false);
  } catch (err) {
    box.append(h("p", { class: "error" }, err.message));
  }
  return box;
}
