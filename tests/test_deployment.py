"""docker-compose.yml describes PostgreSQL plus the API, wired together (read, not run)."""

from pathlib import Path

import yaml

from api.config import REPO_ROOT


def _compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_names_the_database_and_the_api():
    services = _compose()["services"]
    assert "postgres" in services["db"]["image"]
    assert services["api"]["build"] == "."
    assert (REPO_ROOT / "Dockerfile").is_file()


def test_the_api_reaches_the_database_through_knacka_database_url():
    compose = _compose()
    api = compose["services"]["api"]
    url = api["environment"]["KNACKA_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://")
    assert "@db:5432/" in url
    assert api["depends_on"]["db"]["condition"] == "service_healthy"


def test_both_services_have_healthchecks_and_the_database_a_named_volume():
    compose = _compose()
    for name in ("db", "api"):
        assert compose["services"][name]["healthcheck"]["test"]
    volume = compose["services"]["db"]["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


def test_production_requires_totp_and_a_real_secret():
    env = _compose()["services"]["api"]["environment"]
    assert env["KNACKA_ENVIRONMENT"] == "production"
    assert env["KNACKA_REQUIRE_TOTP"] == "true"
    assert "?" in env["KNACKA_SECRET_KEY"]  # compose refuses to start without one


def test_dockerfile_serves_on_the_contract_command():
    dockerfile = Path(REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert '"knacka", "serve"' in dockerfile
    assert "uv sync --frozen" in dockerfile
