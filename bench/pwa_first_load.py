"""The phone's first load and offline logging, measured in Debian's Chromium.

Prints, and appends to docs/BENCHMARKS.md with --record:
- first load on the wire: every byte the server sends to a fresh phone that opens an invite
  link, counted by a TCP proxy between browser and `knacka serve` (headers included; gzip as
  served). Once up to the join screen being usable, once after the service worker has also
  stored the whole shell offline.
- the same load under a slow 4G profile (Chromium network emulation): time until the join
  screen can be used.
- tap to stored, offline: from the tap's event time to the IndexedDB transaction having
  completed (strict durability), read from the app's own performance.measure entries.

Run: `.venv/bin/python -m bench.pwa_first_load [--taps 100] [--record]` (as a module: run as a
script, bench/concurrent.py would shadow the standard library's `concurrent` package)
"""

import argparse
import contextlib
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    join,
    open_district,
    wait_service_worker,
    wait_until_waiting,
)
from tests.support.browser_server import KnackaServer  # noqa: E402

SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}


class CountingProxy:
    """Forwards TCP to the server and counts the bytes in each direction."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.down = 0
        self.up = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.down = self.up = 0

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            for pair in ((client, upstream, "up"), (upstream, client, "down")):
                threading.Thread(target=self._pump, args=pair, daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, direction: str) -> None:
        try:
            while data := source.recv(65536):
                with self.lock:
                    if direction == "down":
                        self.down += len(data)
                    else:
                        self.up += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


def measure(taps: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="knacka-bench-"))
    server = KnackaServer(f"sqlite:///{work / 'knacka.db'}", work)
    server.start()
    proxy = CountingProxy(server.port)
    base = f"http://127.0.0.1:{proxy.port}"
    organiser = server.add_organiser("partille")
    figures: dict[str, Any] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            # 1. First load on the wire, fresh phone: the page alone (service worker blocked),
            # then the whole first visit with the service worker storing the shell.
            context = browser.new_context(base_url=base, service_workers="block", **PHONE)
            page = context.new_page()
            proxy.reset()
            page.goto(server.invite_path(organiser, "partille"), wait_until="load")
            page.get_by_label("Ditt förnamn").wait_for()
            page.wait_for_load_state("networkidle")
            figures["first_load_bytes"] = proxy.down
            context.close()
            context = browser.new_context(base_url=base, **PHONE)
            page = context.new_page()
            proxy.reset()
            page.goto(server.invite_path(organiser, "partille"), wait_until="load")
            page.get_by_label("Ditt förnamn").wait_for()
            wait_service_worker(page)
            page.wait_for_load_state("networkidle")
            figures["first_load_with_offline_shell_bytes"] = proxy.down
            context.close()

            # 2. Slow 4G: time until the join screen is usable.
            times = []
            for _ in range(3):
                context = browser.new_context(base_url=base, **PHONE)
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", SLOW_4G)
                path = server.invite_path(organiser, "partille")
                started = time.perf_counter()
                page.goto(path, wait_until="commit")
                page.get_by_label("Ditt förnamn").wait_for()
                times.append((time.perf_counter() - started) * 1000)
                context.close()
            figures["slow_4g_join_usable_ms_median"] = statistics.median(times)

            # 3. Tap to stored, offline.
            context = browser.new_context(base_url=base, **PHONE)
            page = context.new_page()
            join(page, server.invite_path(organiser, "partille"), "Bengt")
            wait_service_worker(page)
            district = page.locator(".district-link .district-name").first.inner_text()
            open_district(page, district)
            context.set_offline(True)
            button = page.get_by_role("button", name="Ej hemma", exact=True)
            for i in range(taps):
                button.click()
                page.wait_for_function(
                    "n => document.querySelector('#shift-count').dataset.doors === String(n)",
                    arg=i + 1,
                )
            wait_until_waiting(page, taps)
            durations = page.evaluate(
                "() => performance.getEntriesByName('knacka:tap-to-stored').map(e => e.duration)"
            )
            durations.sort()
            figures["tap_to_stored_ms_median"] = statistics.median(durations)
            figures["tap_to_stored_ms_p95"] = durations[int(0.95 * (len(durations) - 1))]
            figures["tap_to_stored_ms_max"] = durations[-1]
            figures["taps"] = len(durations)
            context.close()
            figures["chromium_version"] = browser.version
            browser.close()
    finally:
        proxy.close()
        server.close()
    return figures


def report(f: dict[str, Any]) -> str:
    def kb(n: float) -> str:
        return f"{n / 1024:.1f} KB"

    rows = [
        (
            "first load on the wire, until the join screen is usable "
            "(every byte from the server, headers included, gzip as served)",
            kb(f["first_load_bytes"]),
            "≤ 60 KB",
        ),
        (
            "whole first visit: the above plus the service worker storing the whole shell "
            "for offline use (files the page already loaded come from the HTTP cache)",
            kb(f["first_load_with_offline_shell_bytes"]),
            "≤ 60 KB",
        ),
        (
            "slow 4G profile (150 ms RTT, 1.6 Mbit/s down): invite link → join screen "
            "usable, median of 3",
            f"{f['slow_4g_join_usable_ms_median']:.0f} ms",
            "interactive fast",
        ),
        (
            f"tap → log stored in IndexedDB (strict durability), offline, median of "
            f"{f['taps']} taps",
            f"{f['tap_to_stored_ms_median']:.1f} ms",
            "≤ 50 ms",
        ),
        (
            "… p95 / max",
            f"{f['tap_to_stored_ms_p95']:.1f} ms / {f['tap_to_stored_ms_max']:.1f} ms",
            "",
        ),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {platform.system()} {platform.release()}"
    return f"""
## Volunteer PWA: first load and offline logging (issue 5)

Measured {when} by `bench/pwa_first_load.py` on {machine}, {os.cpu_count()} cores
(shared with other work), Chromium {f["chromium_version"]} headless, phone viewport 390x844,
`knacka serve` on SQLite.

| figure | measured | target |
|---|---|---|
{table}

Tap to stored is the app's own `performance.measure("knacka:tap-to-stored")`, from the click
event's timestamp to the IndexedDB transaction's `complete`. The first load counts what a TCP
proxy between the browser and the server passed on, so it is the real wire weight (HTTP/1.1,
no TLS); the slow-4G time uses Chromium's network emulation, not a real radio.
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--taps", type=int, default=100)
    parser.add_argument("--record", action="store_true", help="append to docs/BENCHMARKS.md")
    args = parser.parse_args()
    figures = measure(args.taps)
    text = report(figures)
    print(text)
    if args.record:
        target = REPO / "docs" / "BENCHMARKS.md"
        if not target.exists():
            target.write_text("# Benchmarks\n", encoding="utf-8")
        with target.open("a", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()
