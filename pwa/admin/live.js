// GET /api/totals/stream read with fetch(): EventSource cannot send the bearer token.
// Reconnects with backoff (the server's `retry:` is the floor); every connection opens with
// a snapshot, so the numbers are right again as soon as it is back.
//
// liveTotals() is the one stream per page that app.js owns: it hands follow() to the views
// (organiser.js, staff.js) as a callback, so they never import app.js.

export function liveTotals({ token, onStatus }) {
  const listeners = new Set();
  let stopStream = null;
  let streamYear = null;

  function start(year) {
    if (stopStream) stopStream();
    streamYear = year;
    stopStream = followTotals({
      year,
      token,
      onTotals: (t) => listeners.forEach((l) => l.onTotals && l.onTotals(t)),
      onChanged: () => listeners.forEach((l) => l.onChanged && l.onChanged()),
      onStatus,
    });
  }

  return {
    // A view's handlers for `year`; a view of another year restarts the stream.
    follow(year, handlers) {
      const entry = { year, ...handlers };
      listeners.add(entry);
      if (!stopStream || streamYear !== year) start(year);
      return () => listeners.delete(entry);
    },
    // The view is gone: forget every handler and close the stream.
    stop() {
      listeners.clear();
      if (stopStream) stopStream();
      stopStream = null;
      streamYear = null;
    },
  };
}

function followTotals({ year, token, onTotals, onChanged, onStatus }) {
  let stopped = false;
  let controller = null;
  let retryMs = 3000;
  let failures = 0;

  async function connect() {
    while (!stopped) {
      controller = new AbortController();
      onStatus("connecting");
      try {
        const response = await fetch(`/api/totals/stream?year=${year}`, {
          headers: { Authorization: `Bearer ${token()}`, Accept: "text/event-stream" },
          signal: controller.signal,
          cache: "no-store",
        });
        if (response.status === 401) { onStatus("signed-out"); return; }
        if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
        failures = 0;
        onStatus("open");
        await read(response.body);
      } catch {
        if (stopped) return;
        failures += 1;
      }
      if (stopped) return;
      onStatus("waiting");
      // A stream that ended cleanly reconnects at once; failures back off from 1 s up to
      // ten times the server's `retry:`, with jitter so a restarted server is not stormed.
      const wait = failures === 0 ? 250 : Math.min(retryMs * 10, 1000 * 2 ** (failures - 1));
      await new Promise((resolve) => setTimeout(resolve, wait * (0.8 + Math.random() * 0.4)));
    }
  }

  async function read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  function dispatch(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue; // keep-alive comment
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "retry" && /^\d+$/.test(value)) retryMs = Number(value);
    }
    if (!data.length) return;
    if (event === "totals") onTotals(JSON.parse(data.join("\n")));
    else if (event === "changed") onChanged();
  }

  connect();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}
