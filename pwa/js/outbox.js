// The outbox: every log is stored on the phone first and sent when the server can take it.
// Rules (docs/PRODUCT.md "Offline and sync"): an entry leaves the outbox only when the server
// acknowledged that very id (created or duplicate); refused entries (conflict, rejected)
// stay and are shown; 401 pauses everything until the volunteer signs in again; retries
// back off from 1 s to 5 min with jitter, and a Retry-After is always honoured.

import { ApiError } from "../shared/api-error.js";
import { jsonBody, retryAfterMs, send, signedIn } from "./api.js";
import { done, getAll, kvDelete, kvGet, kvSet, transact } from "./db.js";

const BATCH_SIZE = 100;
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 5 * 60 * 1000;
const RETRY_AFTER_MAX_MS = 60 * 60 * 1000;
// A conversation waits this long at most for its quick step before it is sent as it is.
export const HOLD_MS = 3 * 60 * 1000;
// Undo is offered until this long before the server's void window closes.
const UNDO_MARGIN_MS = 30 * 1000;
const ACK = new Set(["created", "duplicate"]);
const REFUSED = new Set(["conflict", "rejected"]);
// Whole-request refusals that say something about the logs themselves: split to find the
// one the server will not take. Other 4xx (404, 403 ...) are kept and retried.
const SPLIT_ON = new Set([400, 409, 422]);

const dayFormat = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Stockholm" });
export const stockholmDay = (date = new Date()) => dayFormat.format(date);

export function isoWithOffset(date = new Date()) {
  const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}

export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let lastSeq = 0;
function nextSeq() {
  lastSeq = Math.max(Date.now() * 1000, lastSeq + 1);
  return lastSeq;
}

class Outbox extends EventTarget {
  constructor() {
    super();
    this.failures = 0;
    this.batchSize = BATCH_SIZE;
    this.timer = null;
    this.running = null;
    this.again = false;
    this.inflight = new Set();
    this.paused = false; // the session ended (401): wait for a new sign-in
    this.failing = false; // the last try failed: wait for the timer (or online / "Skicka nu")
    this.sending = false;
    this.lastError = null; // why the last try failed, for the status line
    this.nextAt = null; // when the next automatic try happens
    this.retryAfterUntil = 0; // the server asked us not to come back before this
    this.waiting = 0;
    this.refused = 0;
  }

  async start() {
    this.paused = Boolean(await kvGet("auth_expired"));
    // Holds from an earlier visit are stale: the quick step is long gone.
    await transact("outbox", "readwrite", async ({ outbox }) => {
      for (const entry of await done(outbox.getAll())) {
        if (entry.hold_until) {
          entry.hold_until = 0;
          outbox.put(entry);
        }
      }
    });
    await this.recount();
    this.flush("start");
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }

  async recount() {
    const entries = await getAll("outbox");
    this.waiting = entries.filter((e) => e.state === "waiting" && e.kind === "log").length;
    this.refused = entries.filter((e) => e.state === "refused").length;
    this.changed();
  }

  async entries() {
    const entries = await getAll("outbox");
    return entries.sort((a, b) => a.seq - b.seq);
  }

  // Stores a new log (and this phone's note of it) in one durable transaction.
  async addLog(log, { hold = false } = {}) {
    const now = Date.now();
    const entry = {
      key: log.id,
      kind: "log",
      id: log.id,
      seq: nextSeq(),
      log,
      state: "waiting",
      queued_at: now,
      hold_until: hold ? now + HOLD_MS : 0,
    };
    const mine = {
      id: log.id,
      day: stockholmDay(new Date(log.occurred_at)),
      district_id: log.district_id,
      channel: log.channel || "door",
      outcome: log.outcome,
      new_member: log.new_member,
      created_at: now,
      acked_at: null,
      voided_at: null,
      dropped: false,
    };
    await transact(["outbox", "mine"], "readwrite", (s) => {
      s.outbox.add(entry);
      s.mine.put(mine);
    });
    this.waiting += 1;
    this.changed();
    if (!hold) this.soon();
  }

  // A leader's check-in: one entry per shift and person (a second tap changes nothing), sent
  // when the network allows; the server marks it once however often it arrives.
  async addCheckIn(shiftId, userId) {
    const key = `checkin:${shiftId}:${userId}`;
    await transact("outbox", "readwrite", ({ outbox }) =>
      outbox.put({ key, kind: "checkin", id: key, shift_id: shiftId, user_id: userId, seq: nextSeq(), state: "waiting", queued_at: Date.now(), hold_until: 0 }),
    );
    this.changed();
    this.soon();
  }

  // The quick step after a conversation: fills in the details and lets the log go.
  async finishHeld(id, details) {
    await transact(["outbox", "mine"], "readwrite", async (s) => {
      const entry = await done(s.outbox.get(id));
      if (entry && !this.inflight.has(id)) {
        Object.assign(entry.log, details);
        entry.hold_until = 0;
        s.outbox.put(entry);
      }
      const mine = await done(s.mine.get(id));
      if (mine && "new_member" in details) {
        mine.new_member = details.new_member;
        s.mine.put(mine);
      }
    });
    this.changed();
    this.soon();
  }

  // Undo: a log still on the phone is simply dropped; one the server may have is voided.
  async undo(id) {
    const sending = this.inflight.has(id);
    const outcome = await transact(["outbox", "mine"], "readwrite", async (s) => {
      const entry = await done(s.outbox.get(id));
      const mine = await done(s.mine.get(id));
      if (entry && entry.state === "waiting" && !sending) {
        s.outbox.delete(id);
        if (mine) s.mine.put({ ...mine, dropped: true });
        return "dropped";
      }
      if (entry) s.outbox.delete(id);
      s.outbox.put({
        key: `void:${id}`,
        kind: "void",
        id,
        seq: nextSeq(),
        state: "waiting",
        queued_at: Date.now(),
        hold_until: 0,
      });
      if (mine) s.mine.put({ ...mine, voided_at: Date.now() });
      return "voiding";
    });
    await this.recount();
    this.soon();
    return outcome;
  }

  async dismiss(key) {
    await transact("outbox", "readwrite", ({ outbox }) => outbox.delete(key));
    await this.recount();
  }

  // After a new sign-in: the paused outbox goes on, nothing was lost meanwhile.
  async resume() {
    this.paused = false;
    await kvDelete("auth_expired");
    this.failures = 0;
    this.changed();
    this.flush("signed-in");
  }

  async pause() {
    this.paused = true;
    await kvSet("auth_expired", true);
    this.clearTimer();
    this.nextAt = null;
    this.changed();
  }

  // "online" or the "Skicka nu" button: the backoff starts over (Retry-After still counts).
  now(reason) {
    this.failures = 0;
    return this.flush(reason);
  }

  soon() {
    queueMicrotask(() => this.flush("new-log"));
  }

  clearTimer() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  schedule(delay) {
    this.clearTimer();
    this.nextAt = Date.now() + delay;
    this.timer = setTimeout(() => this.flush("timer"), delay);
    this.changed();
  }

  flush(reason = "manual") {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.run(reason);
        } while (this.again && !this.paused && !this.failing);
      } finally {
        this.running = null;
        this.sending = false;
        await this.recount();
      }
    })();
    return this.running;
  }

  async run() {
    // Signed out: the logs stay until someone signs in on this phone again.
    if (this.paused || !(await signedIn())) return;
    const wait = this.retryAfterUntil - Date.now();
    if (wait > 0) {
      if (!this.timer) this.schedule(wait);
      return;
    }
    this.failing = false;
    this.clearTimer();
    this.nextAt = null;
    for (;;) {
      const now = Date.now();
      const entries = (await this.entries()).filter((e) => e.state === "waiting");
      const ready = entries.filter((e) => !(e.hold_until > now));
      const logs = ready.filter((e) => e.kind === "log").slice(0, this.batchSize);
      const voids = ready.filter((e) => e.kind === "void" || e.kind === "checkin");
      if (logs.length === 0 && voids.length === 0) {
        this.failures = 0;
        this.batchSize = BATCH_SIZE;
        this.lastError = null;
        const held = entries.filter((e) => e.hold_until > now);
        if (held.length) this.schedule(Math.min(...held.map((e) => e.hold_until)) - now + 10);
        return;
      }
      this.sending = true;
      this.changed();
      const result = logs.length ? await this.sendLogs(logs) : await this.sendVoid(voids[0]);
      if (result.stop) return;
      if (result.fail) {
        this.fail(result.fail, result.retryAfterMs);
        return;
      }
      this.lastError = null;
    }
  }

  fail(reason, retryAfter) {
    this.failing = true;
    this.failures += 1;
    this.lastError = reason;
    this.sending = false;
    if (retryAfter != null) {
      const wait = Math.min(retryAfter, RETRY_AFTER_MAX_MS);
      this.retryAfterUntil = Date.now() + wait;
      // A little jitter after the server's time, never before it.
      this.schedule(wait + Math.random() * Math.min(1000, wait * 0.1));
      return;
    }
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.failures - 1));
    this.schedule(Math.min(BACKOFF_MAX_MS, base * (0.8 + 0.4 * Math.random())));
  }

  async sendLogs(entries) {
    const ids = entries.map((e) => e.id);
    ids.forEach((id) => this.inflight.add(id));
    try {
      let response;
      try {
        response = await send("POST", "/api/sync", { logs: entries.map((e) => e.log) });
      } catch (error) {
        if (error instanceof ApiError) return { fail: "network" };
        throw error;
      }
      const status = response.status;
      if (status === 401) {
        await this.pause();
        return { stop: true };
      }
      if (status === 413) {
        if (entries.length > 1) {
          this.batchSize = Math.max(1, Math.floor(entries.length / 2));
          return {};
        }
        return { fail: "too_large" };
      }
      if (status === 200) {
        const body = await jsonBody(response);
        if (!body || !Array.isArray(body.results)) return { fail: "not_json" };
        const progress = await this.applyResults(entries, body.results);
        return progress ? {} : { fail: "no_ack" };
      }
      if (SPLIT_ON.has(status)) {
        const body = await jsonBody(response);
        // Only our own server's refusal (JSON with a code) may refuse a log.
        if (!body || typeof body.code !== "string") return { fail: `http_${status}` };
        if (entries.length > 1) {
          this.batchSize = Math.max(1, Math.floor(entries.length / 2));
          return {};
        }
        await this.markRefused(entries[0], body.code, status);
        return {};
      }
      return { fail: `http_${status}`, retryAfterMs: retryAfterMs(response) };
    } finally {
      ids.forEach((id) => this.inflight.delete(id));
    }
  }

  // One transaction: acknowledged ids leave, refused ones are marked. Returns whether any
  // entry was settled (a 200 that settles nothing must not spin in a loop).
  async applyResults(entries, results) {
    const sent = new Map(entries.map((e) => [e.id, e]));
    const now = Date.now();
    let settled = 0;
    await transact(["outbox", "mine"], "readwrite", async (s) => {
      for (const result of results) {
        if (!result || typeof result.id !== "string" || !sent.has(result.id)) continue;
        const entry = sent.get(result.id);
        sent.delete(result.id);
        if (ACK.has(result.status)) {
          const stored = await done(s.outbox.get(entry.key));
          if (stored && stored.kind === "log") s.outbox.delete(entry.key);
          const mine = await done(s.mine.get(entry.id));
          // Stored without a reference it could not carry: the screen says which and why.
          const warning = result.status === "created" && typeof result.warning === "string" ? result.warning : null;
          if (mine) s.mine.put({ ...mine, acked_at: now, warning, warning_seen: false });
          settled += 1;
        } else if (REFUSED.has(result.status)) {
          const stored = await done(s.outbox.get(entry.key));
          if (stored) {
            s.outbox.put({
              ...stored,
              state: "refused",
              code: result.status === "conflict" ? "conflict" : String(result.code || "rejected"),
              refused_at: now,
            });
          }
          const mine = await done(s.mine.get(entry.id));
          if (mine) s.mine.put({ ...mine, dropped: true });
          settled += 1;
        }
      }
    });
    return settled > 0;
  }

  async markRefused(entry, code, status) {
    await transact(["outbox", "mine"], "readwrite", async (s) => {
      const stored = await done(s.outbox.get(entry.key));
      if (stored) s.outbox.put({ ...stored, state: "refused", code, status, refused_at: Date.now() });
      const mine = await done(s.mine.get(entry.id));
      if (mine && entry.kind === "log") s.mine.put({ ...mine, dropped: true });
    });
  }

  async sendVoid(entry) {
    let response;
    try {
      response =
        entry.kind === "checkin"
          ? await send("POST", `/api/shifts/${entry.shift_id}/checkins`, { user_id: entry.user_id })
          : await send("POST", `/api/logs/${encodeURIComponent(entry.id)}/void`, {});
    } catch (error) {
      if (error instanceof ApiError) return { fail: "network" };
      throw error;
    }
    if (response.status === 401) {
      await this.pause();
      return { stop: true };
    }
    const body = await jsonBody(response);
    // 404 from our server: the log never arrived, so there is nothing left to undo.
    const gone = entry.kind === "void" && response.status === 404 && body && typeof body.code === "string";
    const checkedIn = entry.kind === "checkin" && response.ok && body?.checked_in === true;
    if ((response.ok && body && body.id === entry.id) || gone || checkedIn) {
      await transact("outbox", "readwrite", ({ outbox }) => outbox.delete(entry.key));
      return {};
    }
    const refused = response.status === 403 || SPLIT_ON.has(response.status) || (entry.kind === "checkin" && [404, 410].includes(response.status));
    if (refused && body?.code) {
      await this.markRefused(entry, body.code, response.status);
      return {};
    }
    if (response.ok) return { fail: "not_json" };
    return { fail: `http_${response.status}`, retryAfterMs: retryAfterMs(response) };
  }

  // Today's own count: the server's figure when it was fetched, plus this phone's logs
  // that the figure cannot contain yet (still waiting, or acknowledged after the fetch).
  async today(server) {
    const day = stockholmDay();
    const base =
      server && server.day === day
        ? { ...server.counts }
        : { doors: 0, conversations: 0, new_members: 0 };
    const fetchedAt = server && server.day === day ? server.fetched_at : 0;
    base.channel_conversations = 0;
    for (const m of await this.mineToday()) {
      // Workplace and stall: never in the server's door figures, so all come from the phone.
      if (m.channel && m.channel !== "door") {
        if (!m.voided_at && m.outcome === "conversation") base.channel_conversations += 1;
        if (!m.voided_at && m.new_member) base.new_members += 1;
        continue;
      }
      const delta = notYetCounted(m, fetchedAt);
      base.doors += delta;
      if (m.outcome === "conversation") base.conversations += delta;
      if (m.new_member) base.new_members += delta;
    }
    return base;
  }

  // Per district: the doors the server's figures (fetched at fetchedAt) do not hold yet, and
  // how many of them are still on the phone. The home screen's cards add them in.
  async todayByDistrict(fetchedAt) {
    const byDistrict = new Map();
    for (const m of await this.mineToday()) {
      if (m.district_id === undefined) continue; // a workplace or stall: no district
      const row = byDistrict.get(m.district_id) || { doors: 0, waiting: 0 };
      row.doors += notYetCounted(m, fetchedAt || 0);
      if (m.acked_at === null && !m.voided_at) row.waiting += 1;
      byDistrict.set(m.district_id, row);
    }
    return byDistrict;
  }

  async mineToday() {
    const day = stockholmDay();
    return (await getAll("mine")).filter((m) => m.day === day && !m.dropped);
  }

  // Acknowledged logs the server stored without a campaign, answer or topic, not yet read.
  async warned() {
    return (await getAll("mine")).filter((m) => m.warning && !m.warning_seen && !m.dropped);
  }

  async warningsSeen() {
    await transact("mine", "readwrite", async ({ mine }) => {
      for (const m of await done(mine.getAll())) if (m.warning && !m.warning_seen) mine.put({ ...m, warning_seen: true });
    });
    this.changed();
  }

  // This phone's logs that may still be undone, newest first: those not yet sent, and those
  // the server got less than windowMs ago (measured from the phone's receipt of the ack, which
  // comes after the server's own clock started, less a margin for the trip).
  async recent(windowMs, now = Date.now()) {
    const open = (m) => !m.voided_at && (m.acked_at === null || now - m.acked_at < windowMs - UNDO_MARGIN_MS);
    return (await getAll("mine"))
      .filter((m) => !m.dropped && open(m))
      .sort((a, b) => b.created_at - a.created_at);
  }

  // What the phone keeps expires (docs/PRIVACY.md, "On the phone"): its own recent-log notes
  // after MINE_KEPT_MS, refused logs (kept only to be shown) REFUSED_KEPT_MS after refusal.
  // Logs still waiting for the server never expire here: they are the volunteer's work.
  async prune(now = Date.now()) {
    await transact(["outbox", "mine"], "readwrite", async (s) => {
      for (const m of await done(s.mine.getAll())) if (m.created_at < now - MINE_KEPT_MS) s.mine.delete(m.id);
      for (const e of await done(s.outbox.getAll())) {
        if (e.state === "refused" && (e.refused_at ?? 0) < now - REFUSED_KEPT_MS) s.outbox.delete(e.key);
      }
    });
  }
}

// +1 for a log the server's figure cannot hold yet, -1 for a counted one voided since, else 0.
function notYetCounted(m, fetchedAt) {
  const counted = m.acked_at !== null && m.acked_at <= fetchedAt;
  if (m.voided_at) return counted && m.voided_at > fetchedAt ? -1 : 0;
  return counted ? 0 : 1;
}

export const MINE_KEPT_MS = 3 * 24 * 3600 * 1000;
export const REFUSED_KEPT_MS = 7 * 24 * 3600 * 1000;

export const outbox = new Outbox();
