"""A local stand-in for a browser maker's push service (FCM, Mozilla autopush …), for tests and
bench/push_reminders.py: no internet needed.

It makes subscriptions as a browser would (a P-256 key pair and an auth secret per
subscription, an endpoint URL on this server), and for every message posted to an endpoint it
checks what a real push service checks, then does what the browser would do:

- the VAPID `Authorization: vapid t=JWT,k=KEY` header (RFC 8292): the JWT is ES256-signed by
  KEY, its `aud` is this server's origin, its `exp` lies in the future (and within 24 hours), it
  has a `sub`; KEY is the application server key the subscription was made with;
- the body decrypts (RFC 8291, `Content-Encoding: aes128gcm`) with the subscription's private
  key and auth secret, using `http_ece` and `cryptography` as the browser's side would.

What it received is recorded (payload, Topic, TTL, Urgency). It answers 201, or on demand 410
(gone) or 404 for a subscription, or holds a request unanswered (`hold()`): the sender is then
stuck between sending and marking, as a process killed at that moment would be.
"""

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One subscription: what the browser keeps (its private key) and what it gives the app."""

    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    server_key: str | None  # the applicationServerKey it was made with (None: any)
    answer: int = 201


@dataclass(frozen=True)
class Received:
    token: str
    payload: dict[str, Any]
    topic: str | None
    ttl: int
    urgency: str | None
    vapid_sub: str


@dataclass
class Refused:
    token: str
    reason: str


@dataclass
class _State:
    browsers: dict[str, Browser] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    held: list[Received] = field(default_factory=list)
    hold_next: int = 0
    release: threading.Event = field(default_factory=threading.Event)


class PushService:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, decrypt: bool = True) -> None:
        # decrypt=False (bench/): what a real push service does — VAPID checked (a token once,
        # as it is reused), the payload stored unread; the browser's decryption is left out.
        self.decrypt = decrypt
        self._verified: set[str] = set()
        self.last_at = 0.0  # time.monotonic() of the last message accepted
        self._lock = threading.Lock()
        self.state = _State()
        self.state.release.set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = service._receive(self.path, dict(self.headers.items()), body)
                if status is None:  # held: never answered (the sender's process is killed)
                    service.state.release.wait()
                    status = 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- The test's side ------------------------------------------------------------------

    def __enter__(self) -> "PushService":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.release.set()
        self.server.shutdown()
        self.server.server_close()

    def subscribe(self, server_key: str | None = None) -> dict[str, Any]:
        """A new subscription as PushSubscription.toJSON() gives it, pointing here."""
        key = ec.generate_private_key(ec.SECP256R1())
        browser = Browser(secrets.token_urlsafe(16), key, secrets.token_bytes(16), server_key)
        with self._lock:
            self.state.browsers[browser.token] = browser
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{browser.token}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(browser.auth)},
        }

    def answer(self, endpoint: str, status: int) -> None:
        """From now on this subscription's messages get `status` (410: gone, 404 …)."""
        with self._lock:
            self.state.browsers[endpoint.rsplit("/", 1)[1]].answer = status

    def hold(self, count: int = 1) -> None:
        """The next `count` messages are received but not answered until release()."""
        with self._lock:
            self.state.hold_next = count
            self.state.release.clear()

    def release(self) -> None:
        self.state.release.set()

    def received(self) -> list[Received]:
        with self._lock:
            return list(self.state.received)

    def held(self) -> list[Received]:
        with self._lock:
            return list(self.state.held)

    def refused(self) -> list[Refused]:
        with self._lock:
            return list(self.state.refused)

    def for_endpoint(self, endpoint: str) -> list[Received]:
        token = endpoint.rsplit("/", 1)[1]
        return [r for r in self.received() if r.token == token]

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Until `count` messages were received (held ones included)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if len(got) + len(self.held()) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{len(self.received())} of {count} pushes arrived")

    # --- What a push service checks ---------------------------------------------------------

    def _refuse(self, token: str, reason: str, status: int) -> int:
        with self._lock:
            self.state.refused.append(Refused(token, reason))
        return status

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> int | None:
        headers = {k.lower(): v for k, v in headers.items()}
        token = path.rsplit("/", 1)[-1]
        with self._lock:
            browser = self.state.browsers.get(token)
        if browser is None or not path.startswith("/push/"):
            return self._refuse(token, "unknown subscription", 404)
        if browser.answer != 201:
            return browser.answer
        try:
            claims, key = self._check_vapid(headers.get("authorization", ""))
        except (ValueError, KeyError, InvalidSignature) as exc:
            return self._refuse(token, f"vapid: {exc!r}", 401)
        if browser.server_key is not None and key != browser.server_key:
            return self._refuse(token, "vapid: not the subscription's server key", 403)
        if headers.get("content-encoding") != "aes128gcm":
            return self._refuse(token, "not aes128gcm", 415)
        payload: dict[str, Any] = {}
        if self.decrypt:
            try:
                plain = http_ece.decrypt(
                    body,
                    private_key=browser.private_key,
                    auth_secret=browser.auth,
                    version="aes128gcm",
                )
                payload = json.loads(plain)
            except Exception as exc:
                return self._refuse(token, f"decrypt: {exc!r}", 400)
        got = Received(
            token=token,
            payload=payload,
            topic=headers.get("topic"),
            ttl=int(headers.get("ttl", "0")),
            urgency=headers.get("urgency"),
            vapid_sub=str(claims.get("sub", "")),
        )
        with self._lock:
            if self.state.hold_next > 0:
                self.state.hold_next -= 1
                self.state.held.append(got)
                return None
            self.state.received.append(got)
            self.last_at = time.monotonic()
        return 201

    def _check_vapid(self, authorization: str) -> tuple[dict[str, Any], str]:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError("no vapid authorization")
        parts = dict(p.strip().split("=", 1) for p in params.split(","))
        token, key = parts["t"], parts["k"]
        signing_input, _, signature = token.rpartition(".")
        claims: dict[str, Any] = json.loads(unb64url(signing_input.split(".")[1]))
        if not self.decrypt and token in self._verified and int(claims["exp"]) > time.time():
            return claims, key
        header = json.loads(unb64url(signing_input.split(".")[0]))
        if header.get("alg") != "ES256":
            raise ValueError(f"alg {header.get('alg')}")
        raw = unb64url(signature)
        if len(raw) != 64:
            raise ValueError("signature is not raw r||s")
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        public.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        if claims.get("aud") != self.origin:
            raise ValueError(f"aud {claims.get('aud')!r} is not {self.origin}")
        now = time.time()
        if not now < int(claims["exp"]) <= now + 24 * 3600:
            raise ValueError("exp not within the next 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError("sub is neither mailto: nor https:")
        with self._lock:
            self._verified.add(token)
        return claims, key
