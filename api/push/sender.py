"""Hands one message to a push service: encrypted for the browser (RFC 8291, aes128gcm) and
signed with the server's VAPID key (RFC 8292), via pywebpush.

The push services are run by the browser makers (Google, Mozilla, Apple, Microsoft). They see
the endpoint, the time and the size, never the text: the payload is encrypted to the browser.
"""

import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# A VAPID token is good for at most 24 hours; ours for 12, made again after 1.
_TOKEN_LIFE = 12 * 3600
_TOKEN_REUSE = 3600


@dataclass(frozen=True)
class Delivery:
    endpoint: str
    p256dh: str
    auth: str
    payload: dict[str, Any]
    # The push `Topic`: a message sent twice (a process died between sending and marking) and
    # not yet delivered replaces the first at the push service.
    topic: str
    ttl: int


class Sender:
    """One per process: the VAPID key, its signed tokens per push service, HTTP sessions per
    thread (connections to a push service are reused)."""

    def __init__(self, *, private_key: str, subject: str, timeout: float = 10.0) -> None:
        # Imported on first use: pywebpush (with aiohttp) takes seconds to import, and most
        # processes (CLI commands, tests) never send a push.
        from py_vapid import Vapid02

        self.vapid = Vapid02.from_string(private_key)
        self.subject = subject
        self.timeout = timeout
        self._tokens: dict[str, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def _authorization(self, endpoint: str) -> dict[str, str]:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        with self._lock:
            made = self._tokens.get(audience)
            if made is None or now - made[0] > _TOKEN_REUSE:
                claims = {"aud": audience, "exp": int(now) + _TOKEN_LIFE, "sub": self.subject}
                made = (now, self.vapid.sign(claims))
                self._tokens[audience] = made
            return dict(made[1])

    def _session(self) -> Any:
        import requests

        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def send(self, delivery: Delivery) -> int:
        """The push service's status (201 when accepted); a network failure raises."""
        headers = self._authorization(delivery.endpoint)
        headers["Topic"] = delivery.topic
        headers["Urgency"] = "normal"
        from pywebpush import WebPusher

        pusher = WebPusher(
            {
                "endpoint": delivery.endpoint,
                "keys": {"p256dh": delivery.p256dh, "auth": delivery.auth},
            },
            requests_session=self._session(),
        )
        data = json.dumps(delivery.payload, ensure_ascii=False).encode()
        response = pusher.send(data, headers, ttl=delivery.ttl, timeout=self.timeout)
        return int(response.status_code)  # type: ignore[union-attr]
