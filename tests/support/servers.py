"""The one launcher of real servers, for tests and benchmarks (bench/ imports it): `knacka serve`,
`uvicorn api.asgi:app` or the production shape, each started with `launch`, stopped with `stop`."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from api.core.config import REPO_ROOT

VENV = Path(sys.executable).parent.parent


# `knacka` as a command, run by this interpreter (the venv's console script may not exist yet).
KNACKA = [sys.executable, "-c", "from api.cli import main; main()"]


def cli_env(database_url: str) -> dict[str, str]:
    """The environment of a `knacka` command: ours, minus any KNACKA_ setting, plus the URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNACKA_")}
    env["KNACKA_DATABASE_URL"] = database_url
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNACKA_")}
    env.update({"KNACKA_DATABASE_URL": database_url, "KNACKA_SECRET_KEY": "test-secret-key"})
    env.update(extra)
    return env


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server exited with {process.returncode}"
        try:
            if httpx.get(f"{base_url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base_url} did not become healthy")


def launch(
    command: list[str],
    base_url: str,
    env: dict[str, str],
    *,
    cwd: Path = REPO_ROOT,
    log: Path | None = None,
    timeout: float = 90,
) -> subprocess.Popen[bytes]:
    """Start a server process and return it once it answers /api/health (or fail with its log)."""
    output = log.open("ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT if log else output
    )
    try:
        wait_healthy(base_url, process, timeout)
    except AssertionError as exc:
        stop(process)
        tail = log.read_text()[-3000:] if log else ""
        raise RuntimeError(f"{exc}\n{tail}") from exc
    return process


def serve_command(port: int, host: str = "127.0.0.1") -> list[str]:
    return [str(VENV / "bin" / "knacka"), "serve", "--host", host, "--port", str(port)]


@contextmanager
def knacka_server(database_url: str, port: int | None = None, **env: str) -> Iterator[str]:
    """`knacka serve` in a subprocess; yields its base URL."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    process = launch(serve_command(port), base, server_env(database_url, **env))
    try:
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


class RestartableServer:
    """`knacka serve` on a fixed port that a test can SIGKILL and start again."""

    def __init__(self, database_url: str, **env: str) -> None:
        self.database_url = database_url
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        self.process = launch(
            serve_command(self.port), self.base, server_env(self.database_url, **self.env)
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


@contextmanager
def uvicorn_server(database_url: str, *, workers: int = 1, **env: str) -> Iterator[tuple[str, int]]:
    """`uvicorn api.asgi:app` in its own process(es), as production runs it: (URL, pid)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    process = launch(command, base, os.environ | {"KNACKA_DATABASE_URL": database_url, **env})
    try:
        yield base, process.pid
    finally:
        stop(process)
