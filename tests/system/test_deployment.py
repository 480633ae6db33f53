"""docker-compose.yml describes PostgreSQL plus the API, wired together (read, not run)."""

import shutil
import subprocess
from pathlib import Path

import yaml

from api.core.config import REPO_ROOT


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


def test_nginx_fronts_two_api_workers_with_health_checks():
    services = _compose()["services"]
    nginx = services["nginx"]
    assert "nginx" in nginx["image"]
    assert nginx["depends_on"]["api"]["condition"] == "service_healthy"
    assert "api/health" in " ".join(nginx["healthcheck"]["test"])
    command = services["api"]["command"]
    assert int(command[command.index("--workers") + 1]) >= 2
    # Only nginx is published; the API (and its /metrics) stay inside the compose network.
    assert "ports" not in services["api"]
    assert any(str(p).endswith(":80") for p in nginx["ports"])
    assert services["api"]["stop_grace_period"]  # in-flight syncs get time to finish


def test_the_compose_nginx_config_proxies_streams_unbuffered():
    mount = next(v for v in _compose()["services"]["nginx"]["volumes"] if "nginx" in v)
    source, target = mount.split(":")[:2]
    assert target == "/etc/nginx/conf.d/default.conf"
    conf = (REPO_ROOT / source).read_text(encoding="utf-8")
    assert "server api:8000" in conf
    stream = conf.split("location /api/totals/stream", 1)[1].split("}", 1)[0]
    assert "proxy_buffering off" in stream
    assert "proxy_read_timeout 1h" in stream
    assert "X-Forwarded-For" in conf and "X-Request-ID" in conf


def test_the_compose_nginx_config_is_valid_for_nginx(tmp_path: Path):
    """The same file under Debian's nginx -t, with `api` pointed at loopback."""
    conf = (REPO_ROOT / "deploy/nginx.compose.conf").read_text(encoding="utf-8")
    conf = conf.replace("server api:8000", "server 127.0.0.1:8000").replace(
        "listen 80;", "listen 127.0.0.1:18080;"
    )
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
    main = (
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ include /etc/nginx/mime.types; client_body_temp_path {tmp_path}/client_body;"
        f" proxy_temp_path {tmp_path}/proxy; fastcgi_temp_path {tmp_path}/fastcgi;"
        f" uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;\n{conf}\n}}\n"
    )
    (tmp_path / "nginx.conf").write_text(main, encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_proxy_sets_the_clients_address_and_the_api_trusts_only_the_proxy():
    """A client cannot choose its address: nginx SETS X-Forwarded-For (never appends the
    client's own) and uvicorn trusts exactly nginx's hop, in compose and in scripts/prod.sh."""
    for name in ("deploy/nginx.compose.conf", "deploy/nginx.conf.template"):
        conf = (REPO_ROOT / name).read_text(encoding="utf-8")
        assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf, name
        assert "$proxy_add_x_forwarded_for" not in conf, name
        # Matching limits: sign-ins and redeems per address, streams per address, no /metrics.
        assert "location = /api/auth/login" in conf and "limit_req zone=knacka_auth" in conf
        assert "limit_conn knacka_streams" in conf, name
        assert (
            "location = /metrics" in conf.split("location = /metrics", 1)[0] + "location = /metrics"
        )
        assert "return 404" in conf.split("location = /metrics", 1)[1].split("}", 1)[0], name
    services = _compose()["services"]
    trusted = services["api"]["environment"]["FORWARDED_ALLOW_IPS"]
    assert trusted != "*"
    assert services["nginx"]["networks"]["default"]["ipv4_address"] == trusted
    prod = (REPO_ROOT / "scripts/prod.sh").read_text(encoding="utf-8")
    assert "--forwarded-allow-ips 127.0.0.1" in prod
