"""Campaigns, answers and channels through the API, on SQLite and PostgreSQL."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select
from sqlmodel import Session

from api.door_logs import opinions
from api.models.campaigns import ChannelLog
from api.models.door_logs import DoorLogOpinion
from api.ops.retention import _finalise_logs
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, ak_totals, district_ids, sync

TODAY = datetime.now(UTC).date()


def a_campaign(client: TestClient, staff: Person, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Vården först",
        "starts_on": (TODAY - timedelta(days=10)).isoformat(),
        "ends_on": (TODAY + timedelta(days=10)).isoformat(),
        "topics": ["skola", "sjukvard"],
        "guide": "Börja med att presentera dig.\nFråga vad som är viktigast.",
        "question": {"text": "Vad är viktigast för dig här?", "options": ["Vården", "Skolan"]},
    } | changes
    response = client.post("/api/campaigns", json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def totals_of(client: TestClient, who: Person, campaign_id: int) -> dict[str, Any]:
    response = client.get(f"/api/campaigns/{campaign_id}/totals", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_campaign_is_checked_and_listed_for_its_aks(
    client: TestClient, make_user: MakeUser, staff: Person
):
    bad = {"name": "X", "starts_on": "2026-05-01", "ends_on": "2026-05-31"}
    one_option = bad | {"question": {"text": "Vad?", "options": ["Ja"]}}
    assert client.post("/api/campaigns", json=one_option, headers=staff.headers).status_code == 422
    long_guide = bad | {"guide": "a" * 2001}
    assert client.post("/api/campaigns", json=long_guide, headers=staff.headers).status_code == 422
    backwards = bad | {"ends_on": "2026-04-01"}
    refused = client.post("/api/campaigns", json=backwards, headers=staff.headers)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_period"
    ale = a_campaign(client, staff, aks=["ale"])
    assert ale["aks"] == ["ale"] and ale["question"]["options"] == ["Vården", "Skolan"]
    lerum = make_user("volunteer", aks=["lerum"])
    assert all(
        c["id"] != ale["id"] for c in client.get("/api/campaigns", headers=lerum.headers).json()
    )
    assert client.get(f"/api/campaigns/{ale['id']}", headers=lerum.headers).status_code == 404


def test_answers_count_once_through_resends_and_voids(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine
):
    campaign = a_campaign(client, staff)
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    logs = [
        a_log(district, campaign_id=campaign["id"], answer=0, topics=["sjukvard"]),
        a_log(district, campaign_id=campaign["id"], answer=1, topics=[]),
        a_log(district, campaign_id=campaign["id"], answer=0, topics=["skola"], new_member=True),
    ]
    assert [r["status"] for r in sync(client, volunteer, logs)] == ["created"] * 3
    assert [r["status"] for r in sync(client, volunteer, logs)] == ["duplicate"] * 3
    changed = dict(logs[0], answer=1)
    assert sync(client, volunteer, [changed])[0]["status"] == "conflict"
    body = totals_of(client, volunteer, campaign["id"])
    assert body["conversations"] == 3 and body["members"] == 1 and body["with_topic"] == 2
    assert [a["n"] for a in body["answers"]] == [2, 1]
    assert {t["slug"]: t["n"] for t in body["topics"]} == {"sjukvard": 1, "skola": 1}

    voided = client.post(f"/api/logs/{logs[0]['id']}/void", headers=volunteer.headers)
    assert voided.status_code == 200
    client.post(f"/api/logs/{logs[0]['id']}/void", headers=volunteer.headers)
    body = totals_of(client, volunteer, campaign["id"])
    assert [a["n"] for a in body["answers"]] == [1, 1] and body["conversations"] == 2
    assert {t["slug"]: t["n"] for t in body["topics"]} == {"skola": 1}

    # No table holds an answer beside a volunteer, an exact time or the new-member flag.
    schema = inspect(db)
    for table in schema.get_table_names():
        columns = {c["name"] for c in schema.get_columns(table)}
        if columns & {"answer", "value"} or table.startswith("campaign_opinion"):
            assert not columns & {"user_id", "occurred_at", "received_at", "new_member"}, table
    # After 30 days the link from an answer to its log is gone; the counts stay.
    with Session(db) as session:
        answers = session.execute(
            select(DoorLogOpinion).where(DoorLogOpinion.kind == opinions.ANSWER)  # type: ignore[arg-type]
        ).all()
        assert len(answers) == 3  # the voided log's too, until it is final
        _finalise_logs(session=session, now=datetime.now(UTC) + timedelta(days=31))
        session.commit()
        assert session.execute(select(DoorLogOpinion)).first() is None
    assert [a["n"] for a in totals_of(client, volunteer, campaign["id"])["answers"]] == [1, 1]


def test_bad_references_are_dropped_with_a_warning(
    client: TestClient, make_user: MakeUser, staff: Person
):
    other_ak = a_campaign(client, staff, aks=["lerum"])
    over = a_campaign(
        client,
        staff,
        starts_on=(TODAY - timedelta(days=60)).isoformat(),
        ends_on=(TODAY - timedelta(days=30)).isoformat(),
    )
    good = a_campaign(client, staff)
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    logs = [
        a_log(district, campaign_id=other_ak["id"], answer=0),
        a_log(district, campaign_id=999_999, answer=0),
        a_log(district, campaign_id=over["id"]),
        a_log(district, campaign_id=good["id"], answer=5),
        a_log(district, campaign_id=good["id"], topics=["klimat"]),
        a_log(district, answer=1),
    ]
    results = sync(client, volunteer, logs)
    assert [r["status"] for r in results] == ["created"] * 6
    assert [r.get("warning") for r in results] == [
        "campaign_not_applicable",
        "campaign_not_applicable",
        "campaign_not_applicable",
        "answer_not_applicable",
        "topic_not_offered",
        "answer_not_applicable",
    ]
    # A resend is a duplicate: the comparison ignores the dropped references.
    assert {r["status"] for r in sync(client, volunteer, logs)} == {"duplicate"}
    for campaign in (other_ak, over):
        assert totals_of(client, staff, campaign["id"])["conversations"] == 0
    body = totals_of(client, staff, good["id"])
    assert body["conversations"] == 2 and [a["n"] for a in body["answers"]] == [0, 0]
    assert body["topics"] == [{"slug": "skola", "n": 1}]  # klimat was not offered
    assert ak_totals(client, volunteer, TODAY.year, "ale")["conversations"] == 6


def test_privacy_and_channel_breaks_are_refused(
    client: TestClient, make_user: MakeUser, staff: Person
):
    campaign = a_campaign(client, staff)
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    now = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()

    def workplace(**changes: Any) -> dict[str, Any]:
        item = {
            "id": str(uuid.uuid4()),
            "channel": "workplace",
            "ak": "ale",
            "occurred_at": now,
            "outcome": "conversation",
        }
        return item | changes

    items = [
        a_log(district, campaign_id=campaign["id"], answer="Vården är viktigast"),
        a_log(district, note="bor på tredje våningen"),
        workplace(district_id=district),
        workplace(topics=["skola"]),
        workplace(answer=0),
        workplace(employer="Volvo"),
        workplace(outcome="not_home"),
        a_log(district, channel="fika"),
        workplace(),
    ]
    results = sync(client, volunteer, items)
    assert [r["status"] for r in results] == ["rejected"] * 8 + ["created"]
    assert [r.get("code") for r in results[:8]] == [
        "free_text",
        "unknown_field",
        "channel_district",
        "channel_topics",
        "channel_answer",
        "unknown_field",
        "channel_outcome",
        "unknown_channel",
    ]


def test_workplace_and_stall_count_beside_bilaga_1_and_as_recruits(
    client: TestClient, make_user: MakeUser, staff: Person, db: Engine
):
    campaign = a_campaign(client, staff)
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    sync(client, volunteer, [a_log(district, new_member=True)])
    before = ak_totals(client, volunteer, TODAY.year, "ale")
    now = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    items = [
        {
            "id": str(uuid.uuid4()),
            "channel": channel,
            "ak": "ale",
            "occurred_at": now,
            "outcome": "conversation",
            "new_member": True,
            "campaign_id": campaign["id"],
        }
        for channel in ("workplace", "stall", "stall")
    ]
    assert {r["status"] for r in sync(client, volunteer, items)} == {"created"}
    assert {r["status"] for r in sync(client, volunteer, items)} == {"duplicate"}
    # Another AK is not the volunteer's to log in.
    foreign = dict(items[0], id=str(uuid.uuid4()), ak="lerum")
    assert sync(client, volunteer, [foreign])[0]["code"] == "ak_not_allowed"
    after = ak_totals(client, volunteer, TODAY.year, "ale")
    for key in ("conversations", "doors", "members"):
        assert after[key] == before[key]
    assert after["recruits"] == before["recruits"] + 3 == 4
    assert after["workplace_conversations"] == 1 and after["stall_conversations"] == 2
    body = totals_of(client, volunteer, campaign["id"])
    assert body["conversations"] == 0 and body["recruits"] == 3
    assert body["channels"]["stall"]["conversations"] == 2

    voided = client.post(f"/api/logs/{items[1]['id']}/void", headers=volunteer.headers)
    assert voided.status_code == 200
    assert ak_totals(client, volunteer, TODAY.year, "ale")["stall_conversations"] == 1
    assert totals_of(client, volunteer, campaign["id"])["channels"]["stall"]["conversations"] == 1
    with Session(db) as session:
        assert len(session.execute(select(ChannelLog)).all()) == 3


def test_campaign_dates_set_the_pace_period(client: TestClient, staff: Person):
    a_campaign(client, staff, starts_on="2025-03-01", ends_on="2025-03-31", question=None)
    body = client.get("/api/totals/pace", params={"year": 2025}, headers=staff.headers).json()
    assert body["period"] == {"starts_on": "2025-03-01", "ends_on": "2025-03-31"}
    assert date.fromisoformat(body["period"]["starts_on"]).year == 2025
