"""Migrations build the models' schema exactly, on an empty SQLite and PostgreSQL database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from api.core.config import REPO_ROOT
from api.ops.migrate import alembic_config
from tests.conftest import BACKENDS, fresh_database


def test_there_is_exactly_one_alembic_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_then_check_finds_no_drift(backend: str, tmp_path: Path):
    with fresh_database(backend, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.check(config)  # raises when models and migrations differ
        command.downgrade(config, "base")
        command.upgrade(config, "head")


@pytest.mark.parametrize("backend", BACKENDS)
def test_alembic_commands_work_as_typed_from_the_repository_root(backend: str, tmp_path: Path):
    with fresh_database(backend, tmp_path) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KNACKA_")}
        env["KNACKA_DATABASE_URL"] = url
        alembic = [sys.executable, "-m", "alembic"]
        for args in (["upgrade", "head"], ["check"]):
            done = subprocess.run(
                [*alembic, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
