"""Password hashing (argon2id) and opaque tokens stored only as keyed digests."""

import asyncio
import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from api.core.errors import TooManyRequests

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile

# Verified when the e-mail is unknown, so both cases cost the same time.
_DUMMY_HASH = _hasher.hash("knacka-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class PasswordLane:
    """Password hashing in its own bounded lane, never the thread pool the sync and every
    other route share: `workers` threads hash (each argon2 verification holds 64 MiB, so
    memory stays at workers x 64 MiB), and at most `max_in_flight` sign-ins may wait for
    them; one more is refused at once (429 `login_busy`) before it costs a byte of hashing.
    The count is kept on the event loop, so it needs no lock."""

    def __init__(self, *, workers: int, max_in_flight: int) -> None:
        self.workers = workers
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self._executor: ThreadPoolExecutor | None = None

    @contextmanager
    def admitted(self) -> Iterator[None]:
        if self.in_flight >= self.max_in_flight:
            raise TooManyRequests(
                "login_busy",
                "Många loggar in just nu. Försök igen om en stund.",
                headers={"Retry-After": "1"},
            )
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="password")
        return self._executor

    async def verify(self, password: str, password_hash: str | None) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), verify_password, password, password_hash)

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), hash_password, password)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


def new_token() -> str:
    """256 bits from the OS CSPRNG, URL-safe."""
    return secrets.token_urlsafe(32)


def derived_token(seed: str, secret_key: str, purpose: str) -> str:
    """A 256-bit URL-safe token made again from its stored seed: the seed alone is not the
    token, and the secret key alone cannot make it (both are needed)."""
    mac = hmac.new(secret_key.encode(), f"{purpose}:{seed}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_digest(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
