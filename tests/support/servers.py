"""Start real servers for tests: `knacka serve` or the production shape, and wait for them."""

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


@contextmanager
def knacka_server(database_url: str, port: int | None = None, **env: str) -> Iterator[str]:
    """`knacka serve` in a subprocess; yields its base URL."""
    port = port or free_port()
    process = subprocess.Popen(
        [str(VENV / "bin" / "knacka"), "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=server_env(database_url, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
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
        self.process = subprocess.Popen(
            [str(VENV / "bin" / "knacka"), "serve", "--port", str(self.port)],
            cwd=REPO_ROOT,
            env=server_env(self.database_url, **self.env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_healthy(self.base, self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()
