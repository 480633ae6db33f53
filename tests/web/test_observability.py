"""Every answer carries a request id; /metrics exposes latency per route."""

import json
import logging

import pytest
from fastapi.testclient import TestClient

from api.web.observability import JsonFormatter, request_id_var
from tests.conftest import MakeUser
from tests.support.sync import a_log, district_ids, sync


def test_a_sane_request_id_is_kept_and_a_missing_one_is_made(client: TestClient):
    kept = client.get("/api/health", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    made = client.get("/api/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert len(made.headers["x-request-id"]) == 32


def test_metrics_count_requests_by_route_template(client: TestClient):
    client.get("/api/health")
    client.get("/api/districts", params={"ak": "ale"})
    body = client.get("/metrics").text
    assert (
        'knacka_http_request_duration_seconds_count{method="GET",route="/api/health",status="200"}'
        in body
    )
    assert 'route="/api/districts",status="401"' in body
    assert "knacka_live_streams" in body


def test_json_logs_carry_the_request_id():
    token = request_id_var.set("req-42")
    try:
        record = logging.LogRecord("knacka", logging.INFO, __file__, 1, "hej %s", ("du",), None)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert entry["message"] == "hej du"
    assert entry["request_id"] == "req-42"
    assert entry["level"] == "INFO"


def _sample(body: str, name: str, **labels: str) -> float:
    """The value of one Prometheus sample in /metrics text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    for line in body.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return 0.0


def test_metrics_count_sync_items_by_status_outbox_errors_and_streams(
    client: TestClient, make_user: MakeUser
):
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    before = client.get("/metrics").text
    stored = a_log(district)
    results = sync(client, volunteer, [stored, a_log(district), stored, {"id": "nope"}])
    assert [r["status"] for r in results] == ["created", "created", "duplicate", "rejected"]
    refused = client.post("/api/sync", json={"logs": []}, headers={"Authorization": "Bearer x"})
    assert refused.status_code == 401
    after = client.get("/metrics").text

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert grew("knacka_sync_items_total", status="created") == 2
    assert grew("knacka_sync_items_total", status="duplicate") == 1
    assert grew("knacka_sync_items_total", status="rejected") == 1
    assert grew("knacka_outbox_errors_total", status="401") == 1
    assert (
        grew(
            "knacka_http_request_duration_seconds_count",
            method="POST",
            route="/api/sync",
            status="200",
        )
        == 1
    )
    assert "knacka_live_streams " in after
    assert grew("knacka_sync_group_size_count") == 1  # one commit: the 401 wrote nothing


def test_access_log_lines_carry_no_invite_code_and_no_forged_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
):
    # Failed before the fix: /join/CODE was logged with its code, and %0a broke the line.
    code = "hemligkod1234567890"
    with caplog.at_level(logging.INFO, logger="knacka.access"):
        client.get(f"/join/{code}")
        client.get("/api/health%0a2026-12-03 INFO knacka.access GET /admin 200")
    lines = [r.getMessage() for r in caplog.records if r.name == "knacka.access"]
    fields = [r.fields["path"] for r in caplog.records if r.name == "knacka.access"]  # type: ignore[attr-defined]
    assert len(lines) == 2
    assert not any(code in line for line in lines + fields)
    assert "/join/[redacted]" in lines[0]
    assert all("\n" not in line for line in lines + fields)
    assert "\\n2026-12-03" in lines[1]


def test_metrics_are_not_served_through_the_proxy(client: TestClient):
    assert client.get("/metrics").status_code == 200
    through_nginx = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert through_nginx.status_code == 404
    assert "knacka_" not in through_nginx.text
