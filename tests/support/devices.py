"""Simulated phones that speak the real outbox protocol to POST /api/sync.

The protocol (docs/PRODUCT.md, "Offline and sync"; pwa/js outbox): logs queue in order; a flush
sends the oldest batch; an item leaves the outbox only when the server acknowledged that very id
(`created` or `duplicate`); a `conflict` or `rejected` item is set aside to be shown; on 401 the
outbox pauses and keeps everything until the person signs in again; 429/503 wait Retry-After;
anything else (5xx, an HTML page, a reset, a timeout) backs off exponentially with jitter.
Delays are scaled down for tests (a phone uses 1 s .. 5 min).
"""

import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

ACKNOWLEDGED = {"created", "duplicate"}
OUTCOMES = ["conversation", "not_home", "declined", "no_access"]
TOPICS = ["skola", "jobb", "sjukvard", "trygghet"]


def random_log(rng: random.Random, district_ids: list[int]) -> dict[str, Any]:
    occurred = datetime.now(UTC) - timedelta(
        minutes=rng.randint(1, 600), microseconds=rng.randint(0, 999_999)
    )
    outcome = rng.choice(OUTCOMES)
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "district_id": rng.choice(district_ids),
        "occurred_at": occurred.isoformat(),
        "outcome": outcome,
        "topics": sorted(rng.sample(TOPICS, rng.randint(0, 2)))
        if outcome == "conversation"
        else [],
        "new_member": outcome == "conversation" and rng.random() < 0.1,
        "left_material": rng.random() < 0.5,
    }


@dataclass
class Device:
    base_url: str
    token: str
    batch_size: int = 10
    base_delay: float = 0.02
    max_delay: float = 0.5
    seed: int = 1
    outbox: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    paused: bool = False
    answers: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.failures = 0
        self.lock = threading.Lock()

    def queue(self, log: dict[str, Any]) -> None:
        with self.lock:
            self.outbox.append(log)

    def sign_in_again(self, token: str) -> None:
        self.token = token
        self.paused = False

    def _count(self, what: str) -> None:
        self.answers[what] = self.answers.get(what, 0) + 1

    def backoff(self) -> float:
        """Exponential from base_delay, capped, with full jitter in its upper half."""
        self.failures += 1
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(self.failures, 20))
        return self.rng.uniform(ceiling / 2, ceiling)

    def flush_once(self) -> float:
        """Sends one batch; returns how long to wait before the next try (0: go on)."""
        if self.paused or not self.outbox:
            return 0.0
        batch = self.outbox[: self.batch_size]
        try:
            # A fresh connection each time: the fault proxy decides per connection.
            with httpx.Client(timeout=10) as http:
                response = http.post(
                    f"{self.base_url}/api/sync",
                    json={"logs": batch},
                    headers={"Authorization": f"Bearer {self.token}"},
                )
        except httpx.HTTPError:
            self._count("transport_error")
            return self.backoff()
        self._count(str(response.status_code))
        if response.status_code == 401:
            self.paused = True  # keep everything; ask the person to sign in again
            return 0.0
        if response.status_code in (429, 503) and "retry-after" in response.headers:
            return min(float(response.headers["retry-after"]), self.max_delay * 4)
        try:
            results = response.json()["results"] if response.status_code == 200 else None
        except (ValueError, KeyError, TypeError):
            results = None  # a captive portal's HTML page or a cut body: not an answer
        if not isinstance(results, list):
            return self.backoff()
        self.failures = 0
        by_id = {r.get("id"): r for r in results if isinstance(r, dict)}
        with self.lock:
            keep = []
            for log in self.outbox:
                result = by_id.get(log["id"])
                if result is None:
                    keep.append(log)
                elif result.get("status") in ACKNOWLEDGED:
                    continue
                else:
                    self.refused.append((log, str(result.get("code") or result.get("status"))))
            self.outbox = keep
        return 0.0

    def run(self, stop: threading.Event) -> None:
        """Flushes until the outbox is empty (or stop is set), as the phone's timer would."""
        while not stop.is_set() and (self.outbox or self.paused):
            if self.paused:
                stop.wait(0.02)
                continue
            wait = self.flush_once()
            if wait:
                stop.wait(wait)
