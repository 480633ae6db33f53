"""Settings from the environment (KNACKA_ prefix), one cached singleton."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-in-production"

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KNACKA_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./data")
    database_url: str = ""
    # Keys the HMAC that turns session tokens and invite codes into stored digests.
    secret_key: str = DEFAULT_SECRET
    # Base of invite links. Empty: `knacka serve` derives it from --host/--port (for 0.0.0.0 the
    # machine's network address); otherwise the address the organiser's browser used.
    public_url: str = ""
    # Staff and organisers sign in again after this; a volunteer's phone stays signed in longer.
    session_ttl_hours: int = 24 * 30
    # A staff or organiser session ends after this long without a request (0: never).
    staff_idle_minutes: int = Field(default=120, ge=0)
    volunteer_session_ttl_days: int = 60
    invite_max_days: int = 7
    # More than login_max_failures failures for one account (or per IP) within the window: 429.
    login_max_failures: int = 5
    login_ip_max_failures: int = 30
    login_window_minutes: int = 15
    require_totp: bool = False
    # Password hashing's own lane (api/core/security.PasswordLane): threads that hash (64 MiB
    # each while they do), and how many sign-ins may wait for them before one more gets 429.
    password_hash_workers: int = Field(default=2, ge=1, le=16)
    login_max_in_flight: int = Field(default=16, ge=1, le=1000)
    seeds_dir: Path = REPO_ROOT / "seeds"
    pwa_dir: Path = REPO_ROOT / "pwa"
    log_json: bool = False
    # Basemap tiles under the PWA's district maps, e.g. https://tile.example.org/{z}/{x}/{y}.png;
    # empty: the outline alone. The tile host is added to the CSP's img-src.
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    # Live streams end after this long (the browser reconnects at once); bounded for proxies.
    stream_max_seconds: float = 600
    stream_keepalive_seconds: float = 15
    # Live views take at most one snapshot per this many seconds, and a stream sends at most one
    # event per it; the first change after a quiet spell goes out at once. A dashboard is then
    # at most this plus one snapshot's time behind (docs/BENCHMARKS.md: election evening).
    live_interval_seconds: float = Field(default=1.0, gt=0, le=1.5)
    # Open live streams per session and per client address; a big screen or a benchmark
    # raises them (one office behind one address may show many dashboards).
    live_streams_per_session: int = Field(default=4, ge=1)
    live_streams_per_address: int = Field(default=40, ge=1)
    # How long a volunteer may void their own log after the server got it.
    void_window_minutes: int = 10
    # Gallring (`knacka retention`): volunteers with no sign-in and no log for this long are
    # erased; audit entries older than this are purged. 0 turns that part off.
    retention_volunteer_inactive_days: int = Field(default=365, ge=0)
    retention_audit_days: int = Field(default=730, ge=0)
    # Person-level knackpass sign-ups and check-ins: days kept after the shift ends.
    retention_shift_signup_days: int = Field(default=90, ge=1)
    # Gallring runs by itself inside the app this often (one process at a time); 0: only by
    # `knacka retention`.
    retention_interval_seconds: float = Field(default=24 * 3600, ge=0)
    # Web Push (api/push): each process looks for reminders due this often (0: only by
    # `knacka push-pass`); a claim older than push_claim_seconds is taken over by another
    # process (its claimer died); push_send_workers sends in parallel per process.
    push_interval_seconds: float = Field(default=5.0, ge=0)
    push_claim_seconds: float = Field(default=120.0, gt=0)
    push_send_workers: int = Field(default=8, ge=1, le=64)
    # Push services a subscription's endpoint may point at (a host or its parent domain): the
    # browser makers' own. Anything else is refused, so the server never posts where a caller
    # chooses. Outside production an http endpoint on such a host is allowed (tests' stand-in).
    push_service_hosts: str = (
        "fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com"
    )
    # VAPID's `sub`: how a push service reaches the operator (mailto: or https:); empty: the
    # public URL when it is https, else a placeholder address.
    push_subject: str = ""
    # Where a person turns with questions about their data (art. 13: the controller's contact,
    # or its data protection officer's): an e-mail address or an https page. Shown in the
    # privacy notice; empty: the notice says to ask the organiser or the partidistrikt.
    privacy_contact: str = Field(
        default="", max_length=200, pattern=r"^$|^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$|^https://\S+$"
    )

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> "Settings":
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError("KNACKA_SECRET_KEY must be set to a secret value in production")
        # IMY: people's data behind a password alone is not enough for staff and organisers.
        if self.environment == "production" and not self.require_totp:
            raise ValueError("KNACKA_REQUIRE_TOTP must be true in production")
        return self

    @model_validator(mode="after")
    def _check_map_tile_url(self) -> "Settings":
        url = self.map_tile_url
        # The origin goes into the CSP header: only a plain host (and port) may pass.
        if url and not (
            re.match(r"^(https://[A-Za-z0-9.-]+|http://(127\.0\.0\.1|localhost))(:\d+)?/\S*$", url)
            and all(p in url for p in ("{z}", "{x}", "{y}"))
        ):
            raise ValueError("KNACKA_MAP_TILE_URL must be https://…/{z}/{x}/{y}…")
        return self

    @property
    def map_tile_origin(self) -> str:
        """scheme://host[:port] of the tile URL, for the CSP; empty without tiles."""
        if not self.map_tile_url:
            return ""
        scheme, rest = self.map_tile_url.split("://", 1)
        return f"{scheme}://{rest.split('/', 1)[0]}"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'knacka.db').resolve()}"

    @property
    def dialect(self) -> str:
        return "postgresql" if self.effective_database_url.startswith("postgresql") else "sqlite"


@lru_cache
def get_settings() -> Settings:
    return Settings()
