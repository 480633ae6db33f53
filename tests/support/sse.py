"""Reading server-sent events in tests and benchmarks."""

import json
from collections.abc import Iterator
from typing import Any

import httpx


def iter_events(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) pairs as they arrive on a streaming httpx response."""
    event: str | None = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data: ") and event is not None:
            yield event, json.loads(line[len("data: ") :])
        elif line == "":
            event = None
