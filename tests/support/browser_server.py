"""A real Knacka server for browser tests: `knacka serve` in a subprocess on its own database.

It can be stopped and started again on the same port and database (the "server down" test),
and serves the PWA from a temporary copy of pwa/ (KNACKA_PWA_DIR) so a test can deploy a new
version of the app while a phone has logs waiting.
"""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import MetaData, Table, select
from sqlmodel import Session

from api.accounts.sessions import revoke_session
from api.core.config import REPO_ROOT
from api.core.db import make_engine
from api.models.accounts import AuthSession, User
from tests.support.servers import free_port, launch, serve_command, stop

KNACKA = Path(sys.executable).parent / "knacka"
SECRET = "e2e-secret-key-not-for-production-0123456789"
ORGANISER_PASSWORD = "Knacka-organisatör-2026"


class KnackaServer:
    def __init__(self, database_url: str, work_dir: Path, *, public_url: bool = True) -> None:
        # public_url=False: KNACKA_PUBLIC_URL unset, as on a fresh clone; `knacka serve` derives it.
        self.set_public_url = public_url
        self.database_url = database_url
        self.work_dir = work_dir
        self.port = free_port()
        self.pwa_dir = work_dir / "pwa"
        shutil.copytree(REPO_ROOT / "pwa", self.pwa_dir)
        self.log_path = work_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.engine = make_engine(database_url)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KNACKA_DATABASE_URL=self.database_url,
            KNACKA_SECRET_KEY=SECRET,
            KNACKA_ENVIRONMENT="test",
            KNACKA_PUBLIC_URL=self.url,
            KNACKA_PWA_DIR=str(self.pwa_dir),
            KNACKA_DATA_DIR=str(self.work_dir),
        )
        if not self.set_public_url:
            env.pop("KNACKA_PUBLIC_URL")
        return env

    def start(self) -> None:
        self.process = launch(
            serve_command(self.port), self.url, self.env(), cwd=self.work_dir, log=self.log_path
        )

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
        self.process = None

    def close(self) -> None:
        self.stop()
        self.engine.dispose()

    # --- The organiser's side, through the public API -----------------------------------

    def add_organiser(self, ak: str) -> str:
        """Creates an organiser with `knacka user add`, signs in, returns the session token."""
        email = f"org-{uuid.uuid4().hex[:8]}@example.se"
        subprocess.run(
            [str(KNACKA), "user", "add", "--email", email, "--password", ORGANISER_PASSWORD]
            + ["--role", "organiser", "--ak", ak, "--name", "Olle Organisatör"],
            env=self.env(),
            check=True,
            capture_output=True,
            cwd=self.work_dir,
        )
        answer = self.api(
            "POST", "/api/auth/login", json={"email": email, "password": ORGANISER_PASSWORD}
        )
        return str(answer["access_token"])

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def invite_path(self, organiser: str, ak: str) -> str:
        invite = self.api("POST", "/api/invites", organiser, json={"ak": ak})
        assert invite["url"].startswith(self.url + "/join/")
        return str(invite["url"][len(self.url) :])

    def requests(self, method_and_path: str) -> int:
        """How many requests like "GET /app.js" the server has answered (its access log)."""
        log = self.log_path.read_text(encoding="utf-8", errors="replace")
        return log.count(f"{method_and_path} ")

    def sync_requests(self) -> int:
        return self.requests("POST /api/sync")

    # --- Straight from the database: what the server really holds -----------------------

    def volunteer_id(self, name: str) -> int:
        with Session(self.engine) as session:
            users = [u for u in session.query(User).filter(User.name == name).all()]
            assert len(users) >= 1, f"no user named {name}"
            return int(max(u.id for u in users if u.id is not None))

    def revoke_sessions(self, user_id: int) -> None:
        """Ends every session of the user in the database, as an expiry or a revoke does."""
        with Session(self.engine) as session:
            for auth in session.query(AuthSession).filter(AuthSession.user_id == user_id):
                if auth.revoked_at is None:
                    revoke_session(session=session, auth=auth)
            session.commit()

    def door_logs(self) -> list[dict[str, Any]]:
        """Every row in door_log, ids as canonical UUID strings."""
        table = Table("door_log", MetaData(), autoload_with=self.engine)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(select(table))]
        opinions = Table("door_log_opinion", MetaData(), autoload_with=self.engine)
        with self.engine.connect() as conn:
            topics: dict[str, list[str]] = {}
            for log_id, value in conn.execute(
                select(opinions.c.log_id, opinions.c.value).where(opinions.c.kind == "topic")
            ):
                topics.setdefault(str(uuid.UUID(str(log_id))), []).append(value)
        for row in rows:
            row["id"] = str(uuid.UUID(str(row["id"])))
            # Kept apart from the row (api/door_logs/opinions.py); joined here for the checks.
            row["topics"] = ",".join(sorted(topics.get(row["id"], [])))
        return rows
