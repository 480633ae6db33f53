"""The `knacka` command as an operator types it."""

import subprocess
import time
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from api.core.config import REPO_ROOT, Settings
from tests.conftest import BACKENDS, fresh_database
from tests.support.servers import KNACKA, cli_env, free_port


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KNACKA, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_serve_migrates_seeds_and_answers_and_user_add_can_sign_in(backend: str, tmp_path: Path):
    with fresh_database(backend, tmp_path) as url:
        env = cli_env(url)
        port = free_port()
        server = subprocess.Popen(
            [*KNACKA, "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    health = httpx.get(f"{base}/api/health")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, server.stdout.read().decode()  # type: ignore[union-attr]
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.2)
            assert health.json() == {"status": "ok", "database": backend}
            added = _run(
                [
                    "user",
                    "add",
                    "--email",
                    "olle@example.se",
                    "--password",
                    "ett-bra-losen",
                    "--role",
                    "organiser",
                    "--ak",
                    "ale",
                    "--ak",
                    "partille",
                    "--name",
                    "Olle",
                ],
                env,
            )
            assert added.returncode == 0, added.stderr
            login = httpx.post(
                f"{base}/api/auth/login",
                json={"email": "olle@example.se", "password": "ett-bra-losen"},
            )
            token = login.json()["access_token"]
            me = httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"})
            assert me.json()["aks"] == ["ale", "partille"]
            assert httpx.get(f"{base}/").status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_user_add_refuses_an_unknown_ak_and_a_short_password(tmp_path: Path):
    env = cli_env(f"sqlite:///{tmp_path / 'k.db'}")
    assert _run(["seed"], env).returncode == 0
    unknown = _run(
        [
            "user",
            "add",
            "--email",
            "a@example.se",
            "--password",
            "ett-bra-losen",
            "--role",
            "organiser",
            "--ak",
            "goteborg",
        ],
        env,
    )
    assert unknown.returncode == 2 and "ak_not_found" in unknown.stderr
    short = _run(
        ["user", "add", "--email", "a@example.se", "--password", "kort", "--role", "staff"], env
    )
    assert short.returncode == 2 and "weak_password" in short.stderr


def test_seed_refuses_a_bad_seed_directory_with_the_file_named(tmp_path: Path):
    env = cli_env(f"sqlite:///{tmp_path / 'k.db'}")
    env["KNACKA_SEEDS_DIR"] = str(tmp_path / "no-such-dir")
    done = _run(["seed"], env)
    assert done.returncode == 2
    assert "aks.csv: filen saknas" in done.stderr


def test_production_refuses_the_default_secret():
    with pytest.raises(ValidationError):
        Settings(environment="production", require_totp=True)
    assert Settings(environment="production", secret_key="x" * 40, require_totp=True).secret_key


def test_production_refuses_to_start_with_totp_off():
    with pytest.raises(ValidationError, match="KNACKA_REQUIRE_TOTP"):
        Settings(environment="production", secret_key="x" * 40, require_totp=False)


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, database_url="")
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'knacka.db'}"
    assert settings.dialect == "sqlite"
