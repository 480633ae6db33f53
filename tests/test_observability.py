"""Every answer carries a request id; /metrics exposes latency per route."""

import json
import logging

from fastapi.testclient import TestClient

from api.observability import JsonFormatter, request_id_var


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
