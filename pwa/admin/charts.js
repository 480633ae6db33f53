// Charts drawn as SVG, readable in black and white: every bar carries its number as text,
// goals are outlined boxes, the pace is a dashed line with a label, and the status is a word.

import { fmt } from "../shared/format.js";

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, parent, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  if (parent) parent.append(el);
  return el;
}

let uid = 0;
function patterns(svg) {
  const id = ++uid;
  const defs = s("defs", {}, svg);
  const hatch = s("pattern", { id: `hatch-${id}`, width: 8, height: 8, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
  s("rect", { width: 8, height: 8, fill: "#fff" }, hatch);
  s("line", { x1: 0, y1: 0, x2: 0, y2: 8, stroke: "#000", "stroke-width": 3 }, hatch);
  return { hatch: `url(#hatch-${id})` };
}

function figure(title, svg, caption) {
  const fig = document.createElement("figure");
  fig.className = "chart";
  const cap = document.createElement("figcaption");
  cap.textContent = caption ? `${title}. ${caption}` : title;
  fig.append(svg, cap);
  return fig;
}

/**
 * Horizontal bars against goals: rows = [{label, value, goal, expected}].
 * The bar is solid dark, the goal an outlined box, the pace a dashed line ("takt").
 */
// On a phone the chart is drawn about as wide as it is shown, so its text stays readable.
const narrow = () => window.innerWidth < 640;

export function goalBars(title, rows, { unit = "samtal" } = {}) {
  // Narrow: each label on its own line above its bar.
  const small = narrow();
  const above = small ? 22 : 0;
  const rowH = 44 + above;
  const labelW = small ? 0 : 130;
  const width = small ? 360 : 700;
  const withGoals = rows.some((r) => r.goal);
  const barW = width - labelW - (withGoals ? (small ? 150 : 230) : 80);
  const height = rows.length * rowH + (withGoals ? 30 : 8);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart-svg" });
  s("title", {}, svg, title);
  const max = Math.max(1, ...rows.map((r) => Math.max(r.value, r.goal || 0)));
  const x = (v) => labelW + (v / max) * barW;
  rows.forEach((r, i) => {
    const y = i * rowH + 8 + above;
    if (small) s("text", { x: 0, y: y - 6, class: "chart-label" }, svg, r.label);
    else s("text", { x: labelW - 8, y: y + 20, "text-anchor": "end", class: "chart-label" }, svg, r.label);
    if (r.goal) s("rect", { x: labelW, y, width: x(r.goal) - labelW, height: 28, fill: "#fff", stroke: "#000", "stroke-width": 1.5 }, svg);
    s("rect", { x: labelW, y: y + 6, width: Math.max(0, x(r.value) - labelW), height: 16, fill: "#222" }, svg);
    if (r.expected !== undefined && r.goal) {
      s("line", { x1: x(r.expected), x2: x(r.expected), y1: y - 3, y2: y + 31, stroke: "#000", "stroke-width": 2.5, "stroke-dasharray": "4 3" }, svg);
    }
    const status = r.expected === undefined || !r.goal ? "" : r.value >= r.expected ? " · i takt" : " · efter takt";
    const text = r.goal ? `${fmt(r.value)} av ${fmt(r.goal)}${status}` : `${fmt(r.value)} ${unit}`;
    s("text", { x: Math.max(x(r.value), x(r.goal || 0)) + 8, y: y + 20, class: "chart-value" }, svg, text);
  });
  if (!withGoals) return figure(title, svg);
  const ly = height - 10;
  if (small) {
    s("text", { x: 0, y: ly, class: "chart-legend" }, svg, "mörk stapel: resultat · ruta: mål · streck: takt");
    return figure(title, svg);
  }
  s("rect", { x: labelW, y: ly - 10, width: 14, height: 10, fill: "#222" }, svg);
  s("text", { x: labelW + 20, y: ly, class: "chart-legend" }, svg, "resultat");
  s("rect", { x: labelW + 100, y: ly - 10, width: 14, height: 10, fill: "#fff", stroke: "#000" }, svg);
  s("text", { x: labelW + 120, y: ly, class: "chart-legend" }, svg, "mål");
  s("line", { x1: labelW + 170, x2: labelW + 170, y1: ly - 12, y2: ly + 2, stroke: "#000", "stroke-width": 2.5, "stroke-dasharray": "4 3" }, svg);
  s("text", { x: labelW + 178, y: ly, class: "chart-legend" }, svg, "takt i dag");
  return figure(title, svg);
}

/** Vertical bars per week: weeks = [{week, iso_year, conversations, doors}]. */
export function weekBars(title, weeks) {
  const small = narrow();
  const width = small ? 360 : 640;
  const height = 220;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart-svg" });
  s("title", {}, svg, title);
  if (!weeks.length) {
    s("text", { x: 10, y: 40, class: "chart-label" }, svg, "Inga dörrar loggade än.");
    return figure(title, svg);
  }
  const shown = weeks.slice(small ? -8 : -16);
  const { hatch } = patterns(svg);
  const max = Math.max(1, ...shown.map((w) => w.doors));
  const slot = (width - 20) / shown.length;
  const barW = Math.min(28, slot / 2.4);
  const base = height - 40;
  const y = (v) => base - (v / max) * (base - 30);
  shown.forEach((w, i) => {
    const x0 = 10 + i * slot + slot / 2 - barW;
    s("rect", { x: x0, y: y(w.doors), width: barW, height: base - y(w.doors), fill: hatch, stroke: "#000" }, svg);
    s("rect", { x: x0 + barW, y: y(w.conversations), width: barW, height: base - y(w.conversations), fill: "#222" }, svg);
    s("text", { x: x0 + barW, y: y(w.doors) - 4, "text-anchor": "middle", class: "chart-small" }, svg, fmt(w.conversations));
    s("text", { x: x0 + barW, y: base + 16, "text-anchor": "middle", class: "chart-small" }, svg, `v${w.week}`);
  });
  s("rect", { x: 10, y: height - 14, width: 14, height: 10, fill: hatch, stroke: "#000" }, svg);
  s("text", { x: 30, y: height - 5, class: "chart-legend" }, svg, "dörrar");
  s("rect", { x: 100, y: height - 14, width: 14, height: 10, fill: "#222" }, svg);
  s("text", { x: 120, y: height - 5, class: "chart-legend" }, svg, small ? "samtal (talet)" : "samtal (talet över stapeln)");
  return figure(title, svg, `Senaste ${shown.length === 1 ? "veckan" : `${shown.length} veckorna`}`);
}

/** Horizontal bars of counts: rows = [{label, value}]. */
export function countBars(title, rows) {
  return goalBars(title, rows.map((r) => ({ label: r.label, value: r.value })), { unit: "" });
}
