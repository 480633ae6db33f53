"""`knacka plan export` and `knacka plan import [--dry-run]` as staff type them, both databases."""

import subprocess
from pathlib import Path
from typing import Any

import pytest

from api.core.config import REPO_ROOT
from api.core.db import make_engine
from tests.conftest import BACKENDS, fresh_database
from tests.support.servers import KNACKA, cli_env
from tests.support.workbooks import edited, find_row, plan_state, set_cell


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KNACKA, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def _state(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        return plan_state(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_export_import_dry_run_and_a_refused_file(backend: str, tmp_path: Path):
    with fresh_database(backend, tmp_path) as url:
        env = cli_env(url)
        assert _run(["seed"], env).returncode == 0
        plan = tmp_path / "plan.xlsx"
        assert _run(["plan", "export", str(plan)], env).returncode == 0
        before = _state(url)

        same = _run(["plan", "import", str(plan)], env)
        assert same.returncode == 0, same.stderr
        assert "Inga ändringar" in same.stdout
        assert _state(url) == before

        def next_year(book: Any) -> None:
            book["Mål"].append(["ale", 2027, 3000, 30])

        changed = tmp_path / "changed.xlsx"
        changed.write_bytes(edited(plan.read_bytes(), next_year))
        dry = _run(["plan", "import", str(changed), "--dry-run"], env)
        assert dry.returncode == 0, dry.stderr
        assert "Nytt mål ale 2027: 3000 samtal, 30 medlemmar" in dry.stdout
        assert "Provkörning" in dry.stdout
        assert _state(url) == before

        def broken(book: Any) -> None:
            next_year(book)
            set_cell(book["AK"], find_row(book["AK"], slug="ale"), "kommunkod", "14")

        bad = tmp_path / "bad.xlsx"
        bad.write_bytes(edited(plan.read_bytes(), broken))
        refused = _run(["plan", "import", str(bad)], env)
        assert refused.returncode == 2
        assert "Blad 'AK', rad 2, kolumn C (kommunkod)" in refused.stderr
        assert _state(url) == before

        done = _run(["plan", "import", str(changed)], env)
        assert done.returncode == 0, done.stderr
        assert "Sparat: 1 ändringar." in done.stdout
        after = _state(url)
        assert len(after["goals"]) == len(before["goals"]) + 1
        assert after["audit"] == before["audit"] + 1
