// District outlines (GeoJSON, Källa: Valmyndigheten) kept in IndexedDB with the districts,
// so the district screen draws its map offline. Imported by data.js only after sign-in.

import { ApiError } from "../shared/api-error.js";
import { send } from "./api.js";
import { kvGet } from "./db.js";
import { districtList } from "./district-list.js";

// Boundaries change once per election: an outline is fetched again at most once a day. A
// missing one (not imported yet when the phone asked) is asked for again after ten minutes.
const OUTLINE_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const MISSING_MAX_AGE_MS = 10 * 60 * 1000;

// The outlines (GeoJSON) of the districts the home screen lists, kept with them offline.
// A district without an imported boundary is remembered as null: its screen shows no map.
export async function refreshOutlines(keep) {
  const [assignments, districts, stored] = await Promise.all(
    ["assignments", "districts", "outlines"].map((key) => kvGet(`cache:${key}`)),
  );
  const { assigned, others } = districtList({ assignments, districts });
  const outlines = {};
  const now = Date.now();
  await Promise.all(
    [...assigned, ...others].map(async ({ district }) => {
      const kept = stored?.[district.id];
      const maxAge = kept?.geojson ? OUTLINE_MAX_AGE_MS : MISSING_MAX_AGE_MS;
      if (kept && now - kept.fetched_at < maxAge) {
        outlines[district.id] = kept;
        return;
      }
      try {
        outlines[district.id] = { geojson: await fetchOutline(district.id), fetched_at: now };
      } catch (error) {
        if (kept) outlines[district.id] = kept; // offline or a server error: keep the old one
        if (error instanceof ApiError && error.status === 401) throw error;
      }
    }),
  );
  await keep("outlines", outlines);
}

// GeoJSON is served as application/geo+json; anything else (a captive portal) is a failure.
async function fetchOutline(id) {
  const response = await send("GET", `/api/districts/${id}/geometry`);
  if (response.status === 404) return null;
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || !type.includes("json")) throw new ApiError({ kind: "http", status: response.status });
  const body = await response.json();
  if (body?.type !== "FeatureCollection") throw new ApiError({ kind: "not_json", status: response.status });
  return body;
}
