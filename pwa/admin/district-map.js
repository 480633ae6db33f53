// The AK's districts on a map, shaded by conversations this year — or per 1 000 people entitled
// to vote where Valmyndigheten's figure is known, or by coverage (doors against estimated
// households) and valdeltagande from the "where to knock" view. Prioritised districts are
// hatched (map.js). An earlier year draws the division its counts sit on.

import { h } from "../shared/dom.js";
import { api } from "./api.js";

export async function districtMap(year, akSlug, perDistrict, knock) {
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
    const rows = knock ? knock.districts : [];
    const coverage = Object.fromEntries(rows.filter((r) => r.coverage !== null).map((r) => [r.district_id, Math.round(r.coverage * 100)]));
    const turnout = Object.fromEntries(rows.filter((r) => r.turnout_pct !== null).map((r) => [r.district_id, r.turnout_pct]));
    const turnoutYear = rows.find((r) => r.turnout_year)?.turnout_year || "";
    const measures = [
      ["conversations", "Visa samtal", true, { values: counts, legendTitle: `Samtal ${year}`, unit: "samtal", title: "Valdistrikten efter antal samtal" }],
      ["per-thousand", "Visa per 1 000 röstberättigade", [...perThousand.values()].some((v) => v !== null),
        { values: perThousand, legendTitle: `Samtal per 1 000 röstberättigade ${year}`, unit: "per 1 000", title: "Valdistrikten efter samtal per 1 000 röstberättigade" }],
      ["coverage", "Visa täckning (dörrar mot uppskattade hushåll)", Object.keys(coverage).length > 0,
        { values: coverage, legendTitle: `Täckning ${year}, procent av uppskattade hushåll`, unit: "%", title: "Valdistrikten efter täckning" }],
      ["turnout", `Visa valdeltagande ${turnoutYear}`.trim(), Object.keys(turnout).length > 0,
        { values: turnout, legendTitle: `Valdeltagande ${turnoutYear}, procent`.trim(), unit: "%", title: "Valdistrikten efter valdeltagande" }],
    ].filter(([, , shown]) => shown);
    const mapArea = h("div", {});
    if (measures.length > 1) {
      const name = `map-measure-${akSlug}`;
      box.append(h("fieldset", { class: "measures" }, h("legend", {}, "Kartan visar"),
        measures.map(([key, label, , options], i) => {
          const id = `${name}-${key}`;
          const input = h("input", { type: "radio", name, id, value: key, checked: i === 0, on: { change: () => drawChoropleth(mapArea, geometry, options) } });
          return h("div", { class: "check" }, input, h("label", { for: id }, label));
        })));
    }
    box.append(mapArea);
    drawChoropleth(mapArea, geometry, measures[0][3]);
  } catch (err) {
    box.append(h("p", { class: "error" }, err.message));
  }
  return box;
}
