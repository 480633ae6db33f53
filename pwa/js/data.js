// What the home and district screens show, fetched when there is a network and kept in
// IndexedDB so the app opens with it offline.

import { ApiError } from "../shared/api-error.js";
import { getJson } from "./api.js";
import { kvGet, kvSet } from "./db.js";
import { outbox, stockholmDay } from "./outbox.js";

const KEYS = ["me", "assignments", "districts", "totals", "today", "topics", "outlines", "mapConfig", "shifts", "campaigns"];

export async function cached() {
  const values = await Promise.all(KEYS.map((key) => kvGet(`cache:${key}`)));
  return Object.fromEntries(KEYS.map((key, i) => [key, values[i] ?? null]));
}

async function keep(key, value) {
  await kvSet(`cache:${key}`, value);
  return value;
}

// Fetches what is reachable; returns true when the session has ended (401).
export async function refresh() {
  let expired = false;
  const guard = async (fn) => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) expired = true;
      return null;
    }
  };
  const me = await guard(() => getJson("/api/me"));
  if (expired) {
    await outbox.pause();
    return true;
  }
  if (!me) return false;
  await keep("me", me);
  const year = Number(stockholmDay().slice(0, 4));
  const ak = me.aks?.[0];
  const fetchedAt = Date.now();
  await Promise.all([
    guard(async () => keep("assignments", await getJson("/api/assignments/mine"))),
    guard(async () => {
      if (!ak) return;
      const path = `/api/districts/progress?ak=${encodeURIComponent(ak)}`;
      try {
        await keep("districts", await getJson(path));
      } catch (error) {
        // Without progress figures the plain district list still lets the volunteer log.
        const plain = await getJson(`/api/districts?ak=${encodeURIComponent(ak)}`);
        await keep(
          "districts",
          plain.map((district) => ({ district, progress: null })),
        );
        if (!(error instanceof ApiError)) throw error;
      }
    }),
    guard(async () => keep("totals", await getJson(`/api/totals?year=${year}`))),
    guard(async () => {
      const counts = await getJson("/api/me/today");
      await keep("today", { day: stockholmDay(), fetched_at: fetchedAt, counts });
    }),
    guard(async () => keep("topics", await getJson("/api/topics"))),
    // The shifts signed up to or led: home's next shift, logs' shift_id, check-in offline.
    guard(async () => keep("shifts", await getJson("/api/shifts/mine"))),
    guard(async () => keep("mapConfig", await getJson("/api/maps/config"))),
    // The AK's campaigns that have not ended, with their cards: logging offline needs them.
    guard(async () => {
      const today = stockholmDay();
      await keep("campaigns", (await getJson("/api/campaigns")).filter((c) => c.ends_on >= today));
    }),
  ]);
  // Loaded only here, after sign-in, so the first load does not carry it.
  if (!expired) await guard(async () => (await import("./outlines.js")).refreshOutlines(keep));
  if (expired) await outbox.pause();
  return expired;
}

export async function storeToken(token) {
  await kvSet("token", token);
}
