"""A real local HTTP server standing in for Knacka's API, with scripted answers to /api/sync.

It serves the real PWA files (and /sw.js the way api/web/static.py renders it), so the browser runs
the real app against a real socket; only the server's answers are chosen by the test. Used by
test_outbox_answers.py; also runnable by hand: `python -m tests.support.standin --port 8765`.
"""

import argparse
import contextlib
import json
import mimetypes
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from api.core.config import REPO_ROOT
from api.web.middleware import CSP
from api.web.static import etag_of, render_service_worker

DISTRICTS = [
    {
        "id": 11,
        "ak": "partille",
        "name": "Partille Centrum",
        "code": "14020101",
        "prioritised": True,
        "plan_name": None,
        "active": True,
    },
    {
        "id": 12,
        "ak": "partille",
        "name": "Öjersjö",
        "code": "14020102",
        "prioritised": True,
        "plan_name": None,
        "active": True,
    },
]
PROGRESS = {"doors_year": 0, "conversations_year": 0, "doors_today": 0, "conversations_today": 0}
CANNED: dict[str, Any] = {
    "/api/me": {"id": 1, "name": "Anna", "role": "volunteer", "aks": ["partille"]},
    "/api/assignments/mine": [
        {
            "id": 1,
            "district": DISTRICTS[0],
            "starts_on": None,
            "ends_on": None,
            "progress": PROGRESS,
        }
    ],
    "/api/districts/progress": [{"district": d, "progress": PROGRESS} for d in DISTRICTS],
    "/api/me/today": {"doors": 0, "conversations": 0, "new_members": 0},
    # Partille Centrum has an outline (a made-up square), Öjersjö none: both screens occur.
    "/api/districts/11/geometry": {
        "type": "FeatureCollection",
        "attribution": "Källa: Valmyndigheten",
        "features": [
            {
                "type": "Feature",
                "properties": {**DISTRICTS[0], "electorate": None},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [12.10, 57.73],
                            [12.12, 57.73],
                            [12.12, 57.745],
                            [12.10, 57.745],
                            [12.10, 57.73],
                        ]
                    ],
                },
            }
        ],
    },
    "/api/maps/config": {
        "tile_url": None,
        "tile_attribution": None,
        "attribution": "Källa: Valmyndigheten",
    },
    "/api/topics": [{"slug": "sjukvard", "label": "Sjukvård"}, {"slug": "skola", "label": "Skola"}],
    "/api/totals": {
        "year": 2026,
        "aks": [
            {
                "ak": "partille",
                "name": "Partille",
                "conversations": 120,
                "conversation_goal": 1500,
                "doors": 400,
                "members": 3,
                "member_goal": 20,
            }
        ],
        "total": {
            "conversations": 120,
            "conversation_goal": 1500,
            "doors": 400,
            "members": 3,
            "member_goal": 20,
        },
    },
}


@dataclass
class Answer:
    """One scripted answer: a status with headers and body, or a reset connection."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False

    @classmethod
    def json(cls, status: int, payload: Any, **headers: str) -> "Answer":
        return cls(status=status, body=json.dumps(payload).encode(), headers=headers)


Script = Answer | Callable[[dict[str, Any]], Answer]


def ack_all(body: dict[str, Any]) -> Answer:
    """What the real server answers when every log is new."""
    results = [{"id": item["id"], "status": "created"} for item in body["logs"]]
    return Answer.json(200, {"results": results})


@dataclass
class SyncCall:
    at: float
    body: dict[str, Any]
    authorization: str | None


class StandIn:
    def __init__(self, pwa_dir: Path = REPO_ROOT / "pwa", port: int = 0) -> None:
        self.pwa_dir = pwa_dir.resolve()
        self.script: list[Script] = []
        self.calls: list[SyncCall] = []
        self.voids: list[str] = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        handler = type("Handler", (_Handler,), {"standin": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "StandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer_next(self, *answers: Script) -> None:
        """Queues answers for the next /api/sync calls; after them every log is acknowledged."""
        with self.lock:
            self.script.extend(answers)

    def reset(self) -> None:
        with self.lock:
            self.script.clear()
            self.calls.clear()
            self.voids.clear()

    def wait_until(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        """Blocks until the condition over what the stand-in received holds."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the stand-in did not receive what was expected")
                self.changed.wait(left)

    def wait_for_calls(self, count: int, timeout: float = 30.0) -> list[SyncCall]:
        """Blocks until at least `count` /api/sync calls arrived; returns them all."""
        self.wait_until(lambda: len(self.calls) >= count, timeout)
        with self.lock:
            return list(self.calls)

    def sync(self, body: dict[str, Any], authorization: str | None) -> Answer:
        with self.changed:
            self.calls.append(SyncCall(time.monotonic(), body, authorization))
            script = self.script.pop(0) if self.script else ack_all
            self.changed.notify_all()
        return script(body) if callable(script) else script


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, answer: Answer) -> None:
        if answer.reset:
            # RST instead of an answer: what a dropped mobile connection looks like.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Security-Policy", CSP)
        for key, value in answer.headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(answer.body)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if path in CANNED:
            self._send(Answer.json(200, CANNED[path]))
            return
        if path.startswith("/api/"):
            self._send(Answer.json(404, {"detail": "Not found", "code": "not_found"}))
            return
        root = self.standin.pwa_dir
        if path == "/sw.js":
            body = render_service_worker(root).encode()
            self._send(Answer(body=body, content_type="text/javascript"))
            return
        target = (root / path.lstrip("/")).resolve()
        if path == "/" or not target.is_file() or not target.is_relative_to(root):
            if "." in Path(path).name:
                self._send(Answer(status=404, body=b"not found", content_type="text/plain"))
                return
            target = root / "index.html"
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".js":
            mime = "text/javascript"
        elif target.suffix == ".webmanifest":
            mime = "application/manifest+json"
        body = target.read_bytes()
        # The same ETag the real server sends: the service worker checks it against /sw.js.
        headers = {"ETag": etag_of(body)}
        self._send(Answer(body=body, content_type=mime, headers=headers))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        if path == "/api/auth/redeem":
            self._send(Answer.json(200, {"access_token": "standin-token", "token_type": "bearer"}))
        elif path == "/api/sync":
            if self.headers.get("Authorization") != "Bearer standin-token":
                self._send(Answer.json(401, {"detail": "Sign in", "code": "not_authenticated"}))
                return
            body = json.loads(raw or b"{}")
            self._send(self.standin.sync(body, self.headers.get("Authorization")))
        elif path.startswith("/api/logs/") and path.endswith("/void"):
            log_id = path.split("/")[3]
            with self.standin.changed:
                self.standin.voids.append(log_id)
                self.standin.changed.notify_all()
            self._send(Answer.json(200, {"id": log_id, "voided_at": "2026-01-01T00:00:00Z"}))
        elif path == "/api/auth/logout":
            self._send(Answer(status=204))
        else:
            self._send(Answer.json(404, {"detail": "Not found", "code": "not_found"}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    port = parser.parse_args().port
    standin = StandIn(port=port).start()
    print(f"Stand-in on {standin.url}")
    standin.thread.join()


if __name__ == "__main__":
    main()
