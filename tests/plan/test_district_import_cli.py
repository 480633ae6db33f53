"""`knacka districts import` as an operator types it, on SQLite and PostgreSQL."""

import subprocess
from pathlib import Path

import pytest
from sqlmodel import Session, select

from api.core.config import REPO_ROOT
from api.core.db import make_engine
from api.models.plan import District, DistrictBoundary
from tests.conftest import BACKENDS, fresh_database
from tests.support.servers import KNACKA, cli_env

DATA = Path(__file__).resolve().parents[1] / "data"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KNACKA, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            districts = session.exec(select(District)).all()
            boundaries = session.exec(select(DistrictBoundary)).all()
            return len(districts), sum(d.active for d in districts), len(boundaries)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_import_reports_matches_and_a_dry_run_of_2026_changes_nothing(backend: str, tmp_path: Path):
    with fresh_database(backend, tmp_path) as url:
        env = cli_env(url)
        assert _run(["seed"], env).returncode == 0
        done = _run(
            [
                "districts",
                "import",
                str(DATA / "vd_14_ale_kungalv_ockero_epsg3006.json"),
                "--division-year",
                "2022",
                "--electorate",
                str(DATA / "riksdag-2022-per-valdistrikt-ale-kungalv-ockero.csv"),
            ],
            env,
        )
        assert done.returncode == 0, done.stderr
        assert "Koordinatsystem: EPSG:3006; förenklat med toleransen 5 m." in done.stdout
        assert "Matchade: 14" in done.stdout and "Nya (inte prioriterade): 39" in done.stdout
        assert "Röstberättigade satta för 53 distrikt." in done.stdout
        assert "Källa: Valmyndigheten" in done.stdout
        before = _counts(url)
        assert before == (59 + 39, 59 + 39, 53)

        dry = _run(
            ["districts", "import", str(DATA / "vd_14_2026_style_epsg3006.json"), "--dry-run"],
            env,
        )
        assert dry.returncode == 0, dry.stderr
        assert "Finns inte längre (avvecklade): 28" in dry.stdout
        assert "Provkörning: inget sparades." in dry.stdout
        assert "14820101 Komarken N-Gamla Grinden → störst överlapp: 14821150" in dry.stdout
        assert _counts(url) == before


def test_a_bad_file_exits_2_with_the_reason_and_changes_nothing(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    env = cli_env(url)
    assert _run(["seed"], env).returncode == 0
    before = _counts(url)
    bad = tmp_path / "districts.json"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    done = _run(["districts", "import", str(bad)], env)
    assert done.returncode == 2
    assert "Importen avbröts, inget ändrades:" in done.stderr and "(missing_code)" in done.stderr
    missing = _run(["districts", "import", str(tmp_path / "no-such.json")], env)
    assert missing.returncode == 2 and "finns inte" in missing.stderr
    assert _counts(url) == before


@pytest.mark.parametrize("backend", BACKENDS)
def test_turnout_is_imported_from_the_riksdag_csv_and_a_bad_file_changes_nothing(
    backend: str, tmp_path: Path
):
    with fresh_database(backend, tmp_path) as url:
        env = cli_env(url)
        assert _run(["seed"], env).returncode == 0
        riksdag = str(DATA / "riksdag-2022-per-valdistrikt-ale-kungalv-ockero.csv")

        def turnout_of(code: str) -> float | None:
            engine = make_engine(url)
            try:
                with Session(engine) as session:
                    return (
                        session.exec(select(District).where(District.code == code))
                        .one()
                        .turnout_pct
                    )
            finally:
                engine.dispose()

        dry = _run(["districts", "turnout", riksdag, "--dry-run"], env)
        assert dry.returncode == 0, dry.stderr
        assert "Provkörning" in dry.stdout and turnout_of("14400101") is None
        bad = tmp_path / "bad.csv"
        bad.write_text("valdistrikt_code,valdeltagande_pct\n14400101,83.76\n14400103,mycket\n")
        refused = _run(["districts", "turnout", str(bad)], env)
        assert refused.returncode == 2 and "14400103" in refused.stderr
        assert turnout_of("14400101") is None
        done = _run(
            [
                "districts",
                "turnout",
                riksdag,
                "--comparable",
                str(DATA / "valdistrikt-2026-ale-kungalv-ockero.csv"),
            ],
            env,
        )
        assert done.returncode == 0, done.stderr
        assert "Valdeltagande 2022 satt för" in done.stdout
        assert turnout_of("14400101") == 83.76


def test_a_pathological_file_exits_2_with_a_message_not_a_traceback(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    env = cli_env(url)
    assert _run(["seed"], env).returncode == 0
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    done = _run(["districts", "import", str(deep)], env)
    assert done.returncode == 2, done.stderr
    assert "(too_deep)" in done.stderr and "Traceback" not in done.stderr
