// Imported by both apps, and loaded only when a map is shown: the phone's district screen
// (pwa/js/district-map.js, itself import()ed by district.js) and the staff pages' AK map
// (pwa/admin/district-map.js, with import()).
/**
 * Knacka district maps: outlines, "du är här" and a choropleth, drawn as SVG.
 * Self-contained ES module, no framework, no build step. Källa: Valmyndigheten.
 *
 * Privacy: a position given to this module stays on the phone. The module makes no network
 * request of its own, never stores a position, and picks basemap tiles from the district's
 * outline only (never from where the volunteer stands), so a tile request reveals nothing
 * about the position either.
 *
 * Input: GeoJSON (WGS84, [lon, lat]) as served by GET /api/districts/{id}/geometry and
 * GET /api/districts/geometry?ak=SLUG — a FeatureCollection whose features carry
 * properties {id, ak, code, name, prioritised, active, electorate}. A single Feature or a bare
 * Polygon/MultiPolygon also works. Keep that JSON offline (IndexedDB) and pass it in: the map
 * needs nothing else, so it works without network.
 *
 * API
 *   drawDistrict(container, geojson, options?) -> DistrictMap
 *     Replaces container's content with <figure class="knacka-map">: the outline (SVG), a hint
 *     line (role="status") and "Källa: Valmyndigheten".
 *     options: {
 *       tileUrl?: "https://tile.example/{z}/{x}/{y}.png"  basemap drawn under the outline
 *                 when navigator.onLine (the server's CSP img-src must allow that host),
 *       tileAttribution?: "© OpenStreetMap",             shown beside the source when tiles show,
 *       online?: boolean (default navigator.onLine),
 *       onHint?: (hint: string) => void                  called whenever the hint changes
 *     }
 *   DistrictMap = {
 *     figure, svg, feature,
 *     hint: string                         the current hint ("" before any position),
 *     setPosition(coords | null) -> string  coords = {latitude, longitude, accuracy?}
 *                                           (a GeolocationCoordinates works); draws the dot,
 *                                           returns and shows the hint; null hides the dot,
 *     follow(geolocation = navigator.geolocation) -> stop()   watches the position (asks for
 *                                           permission), updates dot and hint; stop() ends it,
 *     destroy()                             stops following and empties the container
 *   }
 *   locationHint(feature, coords) -> "Du är i Surte norra." | "Du är utanför Surte norra. …"
 *   containsPoint(geometry, [lon, lat]) -> boolean       (even-odd rule; holes respected)
 *   districtAt(geojson, [lon, lat]) -> Feature | null    the first feature holding the point
 *   distanceToBoundary(geometry, [lon, lat]) -> metres   (to the nearest edge)
 *   drawChoropleth(container, geojson, options?) -> { figure, svg, breaks }
 *     Shades each district by a value, marks prioritised ones with a hatch and a thick outline
 *     (readable without colour), adds a legend and "Källa: Valmyndigheten".
 *     options: {
 *       values: Map | object   district id (a number; object keys as strings) -> number
 *                              (null/undefined = "Uppgift saknas"),
 *       legendTitle?: "Samtal i år", unit?: "samtal", classes?: 5 (2..6),
 *       format?: (n) => string (default sv-SE), title?: "Karta över valdistrikten"
 *     }
 *   perThousandVoters(counts, geojson) -> Map   id -> count per 1 000 röstberättigade
 *                                               (null where the electorate is unknown)
 *   ATTRIBUTION = "Källa: Valmyndigheten"
 *
 * Styling hooks (classes): knacka-map, knacka-map-svg, knacka-map-hint, knacka-map-source,
 * knacka-map-legend. Colours are set as SVG attributes, so no inline style is needed (strict CSP).
 */

export const ATTRIBUTION = "Källa: Valmyndigheten";

const SVG_NS = "http://www.w3.org/2000/svg";
const VIEW_WIDTH = 1000;
// Sequential light-to-dark reds: lightness alone orders the classes, also in greyscale.
const SHADES = ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"];
const M_PER_DEG_LAT = 110_540;
const M_PER_DEG_LON_EQUATOR = 111_320;
let uid = 0;

// --- Geometry ------------------------------------------------------------------------------

function featuresOf(geojson) {
  if (!geojson) return [];
  if (geojson.type === "FeatureCollection") return geojson.features || [];
  if (geojson.type === "Feature") return [geojson];
  return [{ type: "Feature", properties: {}, geometry: geojson }];
}

function polygonsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

export function containsPoint(geometry, [lon, lat]) {
  return polygonsOf(geometry).some((rings) => {
    let inside = false;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) {
          inside = !inside;
        }
      }
    }
    return inside;
  });
}

export function districtAt(geojson, point) {
  return featuresOf(geojson).find((f) => containsPoint(f.geometry, point)) || null;
}

// The nearest point of the boundary, in local flat metres around the point (exact enough
// across a valdistrikt): how far it is and its compass bearing (0 = north, 90 = east).
export function nearestBoundary(geometry, [lon, lat]) {
  const kx = M_PER_DEG_LON_EQUATOR * Math.cos((lat * Math.PI) / 180);
  let best = { distance: Infinity, bearing: 0 };
  for (const rings of polygonsOf(geometry)) {
    for (const ring of rings) {
      for (let i = 1; i < ring.length; i++) {
        const ax = (ring[i - 1][0] - lon) * kx;
        const ay = (ring[i - 1][1] - lat) * M_PER_DEG_LAT;
        const bx = (ring[i][0] - lon) * kx;
        const by = (ring[i][1] - lat) * M_PER_DEG_LAT;
        const dx = bx - ax;
        const dy = by - ay;
        const len2 = dx * dx + dy * dy;
        const t = len2 ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2)) : 0;
        const x = ax + t * dx;
        const y = ay + t * dy;
        const distance = Math.hypot(x, y);
        if (distance < best.distance) {
          best = { distance, bearing: ((Math.atan2(x, y) * 180) / Math.PI + 360) % 360 };
        }
      }
    }
  }
  return best;
}

export function distanceToBoundary(geometry, point) {
  return nearestBoundary(geometry, point).distance;
}

const COMPASS = ["norr", "nordost", "öster", "sydost", "söder", "sydväst", "väster", "nordväst"];

// A bearing in words a volunteer can walk by: "åt nordost".
export function directionWord(bearing) {
  return `åt ${COMPASS[Math.round(bearing / 45) % 8]}`;
}

function boundsOf(features) {
  let minLon = Infinity, minLat = Infinity, maxLon = -Infinity, maxLat = -Infinity;
  for (const f of features) {
    for (const rings of polygonsOf(f.geometry)) {
      for (const [lon, lat] of rings[0] || []) {
        if (lon < minLon) minLon = lon;
        if (lon > maxLon) maxLon = lon;
        if (lat < minLat) minLat = lat;
        if (lat > maxLat) maxLat = lat;
      }
    }
  }
  return Number.isFinite(minLon) ? [minLon, minLat, maxLon, maxLat] : null;
}

// --- Projection (Web Mercator, so basemap tiles line up) -----------------------------------

function mercator([lon, lat]) {
  return [(lon * Math.PI) / 180, Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))];
}

function makeView(bounds, margin = 0.06) {
  let [x0, y0] = mercator([bounds[0], bounds[1]]);
  let [x1, y1] = mercator([bounds[2], bounds[3]]);
  let w = Math.max(x1 - x0, 1e-7);
  let h = Math.max(y1 - y0, 1e-7);
  // Keep a phone-friendly shape: never thinner than 2:1 either way.
  if (h / w > 1.5) {
    const grow = (h / 1.5 - w) / 2;
    x0 -= grow; x1 += grow; w = x1 - x0;
  } else if (h / w < 0.5) {
    const grow = (w * 0.5 - h) / 2;
    y0 -= grow; y1 += grow; h = y1 - y0;
  }
  x0 -= w * margin; x1 += w * margin; y0 -= h * margin; y1 += h * margin;
  const scale = VIEW_WIDTH / (x1 - x0);
  return {
    width: VIEW_WIDTH,
    height: Math.round((y1 - y0) * scale),
    x0, x1, y0, y1, scale,
    project(point) {
      const [x, y] = mercator(point);
      return [(x - x0) * scale, (y1 - y) * scale];
    },
  };
}

function pathData(geometry, view) {
  let d = "";
  for (const rings of polygonsOf(geometry)) {
    for (const ring of rings) {
      ring.forEach((point, i) => {
        const [x, y] = view.project(point);
        d += `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
      });
      d += "Z";
    }
  }
  return d;
}

// --- DOM helpers ---------------------------------------------------------------------------

function svgEl(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

function htmlEl(name, attrs = {}, text = "", parent = null) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function newSvg(view, label) {
  return svgEl("svg", {
    class: "knacka-map-svg",
    viewBox: `0 0 ${view.width} ${view.height}`,
    width: "100%",
    role: "img",
    "aria-label": label,
    focusable: "false",
  });
}

function nameOf(feature) {
  return (feature && feature.properties && feature.properties.name) || "distriktet";
}

// --- Basemap tiles (optional, online only) ------------------------------------------------

function addTiles(svg, view, template) {
  const world = 2 * Math.PI;
  // About four tiles across the view: sharp on a phone, few requests.
  const zoom = Math.max(2, Math.min(18, Math.round(Math.log2((4 * world) / (view.x1 - view.x0)))));
  const n = 2 ** zoom;
  const size = world / n;
  const tx0 = Math.floor((view.x0 + Math.PI) / size);
  const tx1 = Math.floor((view.x1 + Math.PI) / size);
  const ty0 = Math.floor((Math.PI - view.y1) / size);
  const ty1 = Math.floor((Math.PI - view.y0) / size);
  if ((tx1 - tx0 + 1) * (ty1 - ty0 + 1) > 36) return null;
  const layer = svgEl("g", { class: "knacka-map-tiles", opacity: 0.8 }, svg);
  for (let tx = tx0; tx <= tx1; tx++) {
    for (let ty = ty0; ty <= ty1; ty++) {
      const href = template.replace("{z}", zoom).replace("{x}", tx).replace("{y}", ty);
      const image = svgEl("image", {
        href,
        x: ((tx * size - Math.PI - view.x0) * view.scale).toFixed(2),
        y: ((view.y1 - (Math.PI - ty * size)) * view.scale).toFixed(2),
        width: (size * view.scale + 0.5).toFixed(2),
        height: (size * view.scale + 0.5).toFixed(2),
        preserveAspectRatio: "none",
      }, layer);
      // A tile that cannot load (signal lost) just leaves the outline on white.
      image.addEventListener("error", () => image.remove());
    }
  }
  return layer;
}

// --- One district and "du är här" -----------------------------------------------------------

function distanceWords(metres) {
  return metres < 1000
    ? `${Math.max(10, Math.round(metres / 10) * 10)} meter`
    : `${new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 1 }).format(metres / 1000)} km`;
}

// `others`: the volunteer's other districts (features) kept on the phone, so that outside the
// one on screen the hint can say which of them they are in.
export function locationHint(feature, coords, others = []) {
  const name = nameOf(feature);
  const point = [coords.longitude, coords.latitude];
  const inside = containsPoint(feature.geometry, point);
  const edge = nearestBoundary(feature.geometry, point);
  const accuracy = Number.isFinite(coords.accuracy) ? coords.accuracy : 0;
  if (inside) {
    return edge.distance < accuracy ? `Du är i ${name}, nära gränsen.` : `Du är i ${name}.`;
  }
  if (edge.distance < accuracy) return `Du är utanför ${name}, nära gränsen.`;
  const way = `ungefär ${distanceWords(edge.distance)} bort, ${directionWord(edge.bearing)}`;
  const here = others.find((f) => f !== feature && containsPoint(f.geometry, point));
  if (here) return `Du är i ${nameOf(here)}, ett av dina distrikt. ${name} börjar ${way}.`;
  return `Du är utanför ${name}. Gränsen är ${way}.`;
}

export function drawDistrict(container, geojson, options = {}) {
  const feature = featuresOf(geojson)[0];
  const bounds = feature && boundsOf([feature]);
  container.replaceChildren();
  if (!bounds) throw new Error("drawDistrict: GeoJSON without a polygon");
  const name = nameOf(feature);
  const view = makeView(bounds, 0.12);
  const figure = htmlEl("figure", { class: "knacka-map" }, "", container);
  const svg = newSvg(view, `Karta över ${name}`);
  figure.appendChild(svg);

  const online = options.online ?? (typeof navigator === "undefined" || navigator.onLine);
  const tiles = options.tileUrl && online ? addTiles(svg, view, options.tileUrl) : null;
  const d = pathData(feature.geometry, view);
  // A white halo under a dark line: the outline reads on any basemap and in greyscale.
  svgEl("path", {
    d, fill: tiles ? "none" : "#fff5f5", stroke: "#fff", "stroke-width": 7,
    "stroke-linejoin": "round", "vector-effect": "non-scaling-stroke",
  }, svg);
  svgEl("path", {
    class: "knacka-map-outline", d, fill: "none", stroke: "#a50f15", "stroke-width": 3.5,
    "stroke-linejoin": "round", "fill-rule": "evenodd", "vector-effect": "non-scaling-stroke",
  }, svg);
  const dot = svgEl("g", { class: "knacka-map-here", visibility: "hidden" }, svg);
  svgEl("circle", { r: 60, fill: "#1a56db", opacity: 0.2 }, dot);
  svgEl("circle", { r: 26, fill: "#1a56db", stroke: "#fff", "stroke-width": 8 }, dot);
  const dotLabel = svgEl("title", {}, dot);
  dotLabel.textContent = "Du är här";

  const hintEl = htmlEl("p", { class: "knacka-map-hint", role: "status", "aria-live": "polite" }, "", figure);
  const source = tiles && options.tileAttribution
    ? `${ATTRIBUTION}. Bakgrundskarta: ${options.tileAttribution}`
    : ATTRIBUTION;
  htmlEl("figcaption", { class: "knacka-map-source" }, source, figure);

  let watchId = null;
  let geolocationInUse = null;
  const map = {
    figure,
    svg,
    feature,
    hint: "",
    setPosition(coords) {
      let hint = "";
      if (!coords) {
        dot.setAttribute("visibility", "hidden");
      } else {
        const [x, y] = view.project([coords.longitude, coords.latitude]);
        // Off the map: the dot waits at the nearest edge, the hint says how far.
        const cx = Math.max(30, Math.min(view.width - 30, x));
        const cy = Math.max(30, Math.min(view.height - 30, y));
        dot.setAttribute("transform", `translate(${cx.toFixed(1)} ${cy.toFixed(1)})`);
        dot.setAttribute("visibility", "visible");
        hint = locationHint(feature, coords, options.others || []);
      }
      setHint(hint);
      return hint;
    },
    follow(geolocation = typeof navigator !== "undefined" ? navigator.geolocation : null) {
      map.stop();
      if (!geolocation) {
        setHint("Din telefon kan inte visa var du är.");
        return map.stop;
      }
      geolocationInUse = geolocation;
      watchId = geolocation.watchPosition(
        (position) => map.setPosition(position.coords),
        (error) => {
          dot.setAttribute("visibility", "hidden");
          setHint(error && error.code === 1
            ? "Tillåt platsen i telefonens inställningar för att se var du är."
            : "Din position går inte att hitta just nu. Försök igen utomhus.");
        },
        { enableHighAccuracy: true, maximumAge: 10_000, timeout: 30_000 },
      );
      return map.stop;
    },
    stop() {
      if (watchId !== null && geolocationInUse) geolocationInUse.clearWatch(watchId);
      watchId = null;
      geolocationInUse = null;
    },
    destroy() {
      map.stop();
      container.replaceChildren();
    },
  };

  function setHint(hint) {
    if (hint === map.hint) return;
    map.hint = hint;
    hintEl.textContent = hint;
    if (options.onHint) options.onHint(hint);
  }

  return map;
}

// --- Many districts, shaded ---------------------------------------------------------------

function valueFor(values, id) {
  if (!values) return null;
  const v = values instanceof Map ? values.get(id) : values[id];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function quantileBreaks(numbers, classes) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const breaks = [];
  for (let i = 1; i < classes; i++) {
    const b = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / classes))];
    if (b > (breaks.at(-1) ?? sorted[0])) breaks.push(b);
  }
  return breaks; // class i holds values < breaks[i]; the last class the rest
}

export function perThousandVoters(counts, geojson) {
  const out = new Map();
  for (const f of featuresOf(geojson)) {
    const id = f.properties && f.properties.id;
    const electorate = f.properties && f.properties.electorate;
    const count = valueFor(counts, id);
    out.set(id, electorate > 0 && count !== null ? (count * 1000) / electorate : null);
  }
  return out;
}

function swatch(parent, attrs) {
  // url(#…) fills resolve document-wide, so the map's own patterns serve the legend too.
  const svg = svgEl("svg", { width: 28, height: 18, viewBox: "0 0 28 18", "aria-hidden": "true" }, parent);
  svgEl("rect", { x: 1, y: 1, width: 26, height: 16, ...attrs }, svg);
  return svg;
}

export function drawChoropleth(container, geojson, options = {}) {
  const features = featuresOf(geojson).filter((f) => polygonsOf(f.geometry).length);
  const bounds = boundsOf(features);
  container.replaceChildren();
  if (!bounds) throw new Error("drawChoropleth: GeoJSON without polygons");
  const format = options.format || ((n) => new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 1 }).format(n));
  const unit = options.unit ?? "samtal";
  const classes = Math.max(2, Math.min(SHADES.length, options.classes || 5));
  const view = makeView(bounds);
  const figure = htmlEl("figure", { class: "knacka-map" }, "", container);
  const svg = newSvg(view, options.title || "Karta över valdistrikten");
  figure.appendChild(svg);

  const id = ++uid;
  const defs = svgEl("defs", {}, svg);
  const hatch = svgEl("pattern", {
    id: `knacka-prio-${id}`, width: 10, height: 10, patternUnits: "userSpaceOnUse",
    patternTransform: "rotate(45)",
  }, defs);
  svgEl("line", { x1: 0, y1: 0, x2: 0, y2: 10, stroke: "#000", "stroke-width": 3, opacity: 0.55 }, hatch);
  const dots = svgEl("pattern", { id: `knacka-nodata-${id}`, width: 6, height: 6, patternUnits: "userSpaceOnUse" }, defs);
  svgEl("rect", { width: 6, height: 6, fill: "#fff" }, dots);
  svgEl("circle", { cx: 3, cy: 3, r: 1, fill: "#777" }, dots);

  const known = features
    .map((f) => valueFor(options.values, (f.properties || {}).id))
    .filter((v) => v !== null);
  // Breaks over the distinct values: a few busy districts among many at 0 still get their own
  // shade (quantiles over all values would put 0 and 12 in one class).
  const breaks = known.length ? quantileBreaks([...new Set(known)], classes) : [];
  const shades = SHADES.length === breaks.length + 1 ? SHADES : pickShades(breaks.length + 1);
  const classOf = (v) => {
    let i = 0;
    while (i < breaks.length && v >= breaks[i]) i++;
    return i;
  };

  const base = svgEl("g", { class: "knacka-map-districts" }, svg);
  const marks = svgEl("g", { class: "knacka-map-prioritised" }, svg);
  for (const f of features) {
    const p = f.properties || {};
    const v = valueFor(options.values, p.id);
    const d = pathData(f.geometry, view);
    const path = svgEl("path", {
      d,
      fill: v === null ? `url(#knacka-nodata-${id})` : shades[classOf(v)],
      stroke: "#444",
      "stroke-width": 0.8,
      "fill-rule": "evenodd",
      "vector-effect": "non-scaling-stroke",
      "data-id": p.id,
      "data-code": p.code || "",
    }, base);
    const label = svgEl("title", {}, path);
    const amount = v === null ? "uppgift saknas" : `${format(v)} ${unit}`.trim();
    label.textContent = `${nameOf(f)}: ${amount}${p.prioritised ? " (prioriterat)" : ""}`;
    if (p.prioritised) {
      // Hatch and a thick outline: prioritised districts stand out without colour.
      svgEl("path", {
        d, fill: `url(#knacka-prio-${id})`, stroke: "#000", "stroke-width": 3,
        "fill-rule": "evenodd", "vector-effect": "non-scaling-stroke", "data-id": p.id,
        "pointer-events": "none",
      }, marks);
    }
  }

  const legend = htmlEl("div", { class: "knacka-map-legend" }, "", figure);
  htmlEl("p", {}, options.legendTitle || "Samtal i år", legend);
  const list = htmlEl("ul", {}, "", legend);
  // Each class is named by the values it holds: "0", "3 till 7".
  shades.slice(0, breaks.length + 1).forEach((shade, i) => {
    const held = known.filter((v) => classOf(v) === i);
    if (!held.length) return;
    const item = htmlEl("li", {}, "", list);
    swatch(item, { fill: shade, stroke: "#444" });
    const [low, high] = [Math.min(...held), Math.max(...held)];
    htmlEl("span", {}, ` ${low === high ? format(low) : `${format(low)} till ${format(high)}`}`, item);
  });
  const prio = htmlEl("li", {}, "", list);
  swatch(prio, { fill: `url(#knacka-prio-${id})`, stroke: "#000", "stroke-width": 3 });
  htmlEl("span", {}, " Prioriterat distrikt", prio);
  if (known.length < features.length) {
    const none = htmlEl("li", {}, "", list);
    swatch(none, { fill: `url(#knacka-nodata-${id})`, stroke: "#444" });
    htmlEl("span", {}, " Uppgift saknas", none);
  }
  htmlEl("figcaption", { class: "knacka-map-source" }, ATTRIBUTION, figure);
  return { figure, svg, breaks };
}

function pickShades(count) {
  if (count <= 1) return [SHADES[3]];
  return Array.from({ length: count }, (_, i) => SHADES[Math.round((i * (SHADES.length - 1)) / (count - 1))]);
}
