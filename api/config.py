"""Settings from the environment (KNACKA_ prefix), one cached singleton."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-in-production"
REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KNACKA_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./data")
    database_url: str = ""
    # Keys the HMAC that turns session tokens and invite codes into stored digests.
    secret_key: str = DEFAULT_SECRET
    public_url: str = "http://127.0.0.1:8000"
    session_ttl_hours: int = 24 * 30
    require_totp: bool = False
    seeds_dir: Path = REPO_ROOT / "seeds"
    pwa_dir: Path = REPO_ROOT / "pwa"
    log_json: bool = False
    # How long a volunteer may void their own log after the server got it.
    void_window_minutes: int = 10

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> "Settings":
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError("KNACKA_SECRET_KEY must be set to a secret value in production")
        return self

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
