"""Every benchmark of docs/ENGINEERING.md in one run, each beside a baseline, against its target.

Runs the benchmark modules of this tree and, with --baseline REF, the same modules against that
git revision's app (checked out into a temporary worktree, same virtualenv, this tree's bench/
copied over it so both are measured by the same clients), back to back per figure so both see
the same machine. Prints each benchmark's own output and then one table.
Run: .venv/bin/python -m bench.all [--baseline REF] [--quick]
"""

import argparse
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import machine

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    name: str
    target: str
    command: list[str]
    read: Callable[[str], str]


def _all(pattern: str, text: str) -> list[str]:
    return re.findall(pattern, text)


def _ingest(text: str) -> str:
    rows = re.findall(r"(\w+)\s+workers=\d.*?API\s+(\d+) logs/s.*?floor\s+(\d+) logs/s", text)
    return "; ".join(
        f"{b} {api} logs/s (floor {fl}, {int(api) / int(fl):.2f})" for b, api, fl in rows
    )


def _latency(text: str) -> str:
    rows = re.findall(
        r"(\w+)\s+workers=.*?p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+p99\s+([\d.]+)", text
    )
    return "; ".join(f"{b} p50 {p50} / p95 {p95} / p99 {p99} ms" for b, p50, p95, p99 in rows)


def _totals(text: str) -> str:
    rows = re.findall(
        r"(\w+)\s+\d+ logs.*?\n\s+GET /api/totals over HTTP: p50 ([\d.]+) ms, p95 ([\d.]+)", text
    )
    return "; ".join(f"{b} p50 {p50} / p95 {p95} ms" for b, p50, p95 in rows)


def _fanout(text: str) -> str:
    found = re.search(r"p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+p99\s+([\d.]+)", text)
    return f"p50 {found[1]} / p95 {found[2]} / p99 {found[3]} ms" if found else "?"


def _pwa(text: str) -> str:
    sizes = re.findall(r"\| ([\d.]+) KB \|", text)
    times = re.findall(r"\| ([\d.]+) ms \|", text)
    if len(sizes) < 2 or len(times) < 2:
        return "?"
    return (
        f"first load {sizes[0]} KB, whole first visit {sizes[1]} KB; "
        f"slow 4G {times[0]} ms; tap to stored {times[1]} ms"
    )


def figures(quick: bool) -> list[Figure]:
    py = [sys.executable, "-m"]
    logs = ["--logs", "10000" if quick else "50000"]
    sends = ["--sends", "5" if quick else "20"]
    return [
        Figure("ingest, batches of 100", ">= 15,000 logs/s", [*py, "bench.ingest", *logs], _ingest),
        Figure(
            "200 clients, one log each, 170/s",
            "p99 <= 50 ms",
            [*py, "bench.concurrent", "--rate", "170", *sends],
            _latency,
        ),
        Figure(
            "GET /api/totals, 1,000,000 logs",
            "p95 <= 10 ms",
            [*py, "bench.totals", "--logs", "100000" if quick else "1000000"],
            _totals,
        ),
        Figure(
            "one log to 500 streams, 2 processes",
            "p95 <= 250 ms",
            [*py, "bench.fanout", "--rounds", "5" if quick else "20"],
            _fanout,
        ),
        Figure(
            "PWA first load; tap to stored offline",
            "<= 60 KB gzip; <= 50 ms",
            [*py, "bench.pwa_first_load", "--taps", "30" if quick else "100"],
            _pwa,
        ),
    ]


def run_in(tree: Path, command: list[str]) -> str:
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        return f"FAILED ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}"
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", help="git revision to measure beside this tree")
    parser.add_argument("--quick", action="store_true", help="smaller runs, to try the script")
    parser.add_argument(
        "--baseline-own-clients",
        action="store_true",
        help="measure the baseline with its own bench/ (a revision from before the layout of "
        "api/ and tests/, whose modules this tree's clients cannot import)",
    )
    args = parser.parse_args()
    print(f"# all benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this tree": REPO}
        if args.baseline:
            base = Path(tmp) / "baseline"
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(base), args.baseline],
                cwd=REPO,
                check=True,
                capture_output=True,
            )
            # The same clients for both: a benchmark's own changes must not move the baseline.
            if not args.baseline_own_clients:
                for module in (REPO / "bench").glob("*.py"):
                    (base / "bench" / module.name).write_bytes(module.read_bytes())
            trees = {f"baseline {args.baseline}": base, **trees}
        table = []
        try:
            for figure in figures(args.quick):
                for label, tree in trees.items():
                    output = run_in(tree, figure.command)
                    print(f"\n## {figure.name} — {label}\n{output.strip()}", flush=True)
                    table.append((figure.name, figure.target, label, figure.read(output)))
        finally:
            if args.baseline:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=False
                )
    print("\n| figure | target | tree | measured |\n|---|---|---|---|")
    for name, target, label, measured in table:
        print(f"| {name} | {target} | {label} | {measured} |")


if __name__ == "__main__":
    main()
