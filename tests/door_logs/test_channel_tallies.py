"""Paper tallies of workplace visits and stalls (POST /api/channel-tallies), on both databases:
counted as their channel (never Bilaga 1's door conversations), new members as recruits, the
campaign's channel figures; voiding takes exactly them away; no place or employer is taken."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.core.stockholm import stockholm_today
from tests.conftest import MakeUser, Person
from tests.support.sync import ak_totals


def a_campaign(client: TestClient, staff: Person) -> int:
    today = stockholm_today()
    body = {
        "name": "Torgen",
        "starts_on": (today - timedelta(days=5)).isoformat(),
        "ends_on": (today + timedelta(days=5)).isoformat(),
    }
    response = client.post("/api/campaigns", json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    campaign_id: int = response.json()["id"]
    return campaign_id


def tally(client: TestClient, who: Person, **changes: Any) -> Any:
    body = {
        "ak": "ale",
        "channel": "stall",
        "date": (stockholm_today() - timedelta(days=1)).isoformat(),
        "conversation": 5,
        "declined": 2,
        "new_members": 1,
    } | changes
    return client.post("/api/channel-tallies", json=body, headers=who.headers)


def test_a_stall_tally_counts_for_its_channel_and_campaign_and_its_void_takes_it_away(
    client: TestClient, make_user: MakeUser, staff: Person
):
    organiser = make_user("organiser", aks=["ale"])
    campaign = a_campaign(client, staff)
    year = (stockholm_today() - timedelta(days=1)).year
    before = ak_totals(client, staff, year, "ale")
    made = tally(client, organiser, campaign_id=campaign)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["ak"], body["channel"], body["conversation"]) == ("ale", "stall", 5)

    totals = client.get(f"/api/campaigns/{campaign}/totals", headers=staff.headers).json()
    assert totals["channels"]["stall"] == {"conversations": 5, "declined": 2, "members": 1}
    assert totals["conversations"] == 0  # door conversations only (Bilaga 1)
    after = ak_totals(client, staff, year, "ale")
    assert after["conversations"] == before["conversations"]
    assert after["recruits"] == before["recruits"] + 1  # new members from every channel
    insights = client.get(
        f"/api/campaigns/{campaign}/insights", params={"ak": "ale"}, headers=organiser.headers
    ).json()
    assert insights["channels"]["stall"]["conversations"] == 5

    listed = client.get(
        "/api/channel-tallies", params={"ak": "ale", "year": year}, headers=organiser.headers
    ).json()
    assert [t["id"] for t in listed] == [body["id"]]
    voided = client.post(f"/api/channel-tallies/{body['id']}/void", headers=organiser.headers)
    assert voided.status_code == 200 and voided.json()["voided_at"] is not None
    again = client.post(f"/api/channel-tallies/{body['id']}/void", headers=organiser.headers)
    assert again.status_code == 200  # voiding twice changes nothing
    totals = client.get(f"/api/campaigns/{campaign}/totals", headers=staff.headers).json()
    assert totals["channels"]["stall"] == {"conversations": 0, "declined": 0, "members": 0}
    assert ak_totals(client, staff, year, "ale")["recruits"] == before["recruits"]


def test_a_tally_that_breaks_the_rules_is_refused_whole(
    client: TestClient, make_user: MakeUser, staff: Person
):
    organiser = make_user("organiser", aks=["ale"])
    future = (stockholm_today() + timedelta(days=1)).isoformat()
    cases = [
        ({"new_members": 6}, 422, "invalid_tally"),
        ({"conversation": 0, "declined": 0, "new_members": 0}, 422, "empty_tally"),
        ({"date": future}, 422, "invalid_date"),
        ({"employer": "Volvo"}, 422, "validation_error"),  # never a place or an employer
        ({"channel": "door"}, 422, "validation_error"),
        ({"campaign_id": 999_999}, 422, "campaign_not_applicable"),
    ]
    for changes, status, code in cases:
        refused = tally(client, organiser, **changes)
        assert (refused.status_code, refused.json()["code"]) == (status, code), changes
    year = stockholm_today().year
    assert (
        client.get(
            "/api/channel-tallies", params={"ak": "ale", "year": year}, headers=organiser.headers
        ).json()
        == []
    )
    foreign = make_user("organiser", aks=["lerum"])
    assert tally(client, foreign).status_code == 404  # another AK: as if it did not exist
    volunteer = make_user("volunteer", aks=["ale"])
    assert tally(client, volunteer).status_code == 403
