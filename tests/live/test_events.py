"""One hook hears every committed change of counts, once per request, with its years."""

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from api.core.stockholm import stockholm_today
from tests.conftest import MakeUser
from tests.support.sync import a_log, district_ids, server_receives_at, sync


def test_counts_changed_is_called_after_each_change_and_not_for_replays(
    client: TestClient, make_user: MakeUser, live_hook: list[int], monkeypatch: pytest.MonkeyPatch
):
    organiser = make_user("organiser", aks=["ale"])
    district = district_ids(client, organiser, "ale")[0]
    year = stockholm_today().year
    # Received on 2 January: last year's last days are still within the 30 days.
    server_receives_at(monkeypatch, f"{year}-01-02T12:00:00+01:00")
    log = a_log(district, occurred_at=f"{year}-01-02T11:00:00+01:00")
    last_year = a_log(district, occurred_at=f"{year - 1}-12-28T12:00:00+01:00")
    sync(client, organiser, [log, last_year])
    assert live_hook == [year - 1, year]
    sync(client, organiser, [log])
    assert live_hook == [year - 1, year]
    client.post(f"/api/logs/{log['id']}/void", headers=organiser.headers)
    client.post(f"/api/logs/{log['id']}/void", headers=organiser.headers)
    assert live_hook == [year - 1, year, year]
    day = stockholm_today() - timedelta(days=1)
    body = {"district_id": district, "date": day.isoformat(), "not_home": 4}
    assert client.post("/api/tallies", json=body, headers=organiser.headers).status_code == 201
    assert live_hook[-1] == day.year and len(live_hook) == 4


def test_a_failed_announcement_after_the_commit_still_acknowledges_the_logs(
    app: FastAPI, client: TestClient, make_user: MakeUser, live_hook: list[int]
):
    def database_gone(year: int) -> None:
        raise OperationalError("SELECT pg_notify(...)", {}, Exception("server closed"))

    app.state.on_counts_changed = database_gone  # live_hook restores the real one
    volunteer = make_user("volunteer", aks=["ale"])
    logs = [a_log(district_ids(client, volunteer, "ale")[0]) for _ in range(3)]
    assert [r["status"] for r in sync(client, volunteer, logs)] == ["created"] * 3
