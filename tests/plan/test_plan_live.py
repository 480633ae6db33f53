"""Plan edits reach live streams held by another API process on the same PostgreSQL."""

import httpx
import pytest

from tests.support.people import make_person
from tests.support.sse import iter_events

SECRET = "test-secret-key"


@pytest.mark.slow
def test_a_goal_edit_and_a_retired_district_reach_a_stream_on_the_other_process(
    two_processes: tuple[str, str, str],
):
    url, first, second = two_processes
    staff = {"Authorization": f"Bearer {make_person(url, SECRET, 'staff')}"}
    district_id = httpx.get(f"{first}/api/districts", params={"ak": "ale"}, headers=staff).json()[
        0
    ]["id"]
    with httpx.stream(
        "GET", f"{second}/api/totals/stream", params={"year": 2026}, headers=staff, timeout=20
    ) as stream:
        events = iter_events(stream)
        name, opening = next(events)
        assert name == "totals"
        edited = httpx.put(
            f"{first}/api/goals/ale/2026",
            json={"conversations": 7777, "members": 77},
            headers=staff,
        )
        assert edited.status_code == 200
        name, update = next(events)
        assert name == "totals"
        ale = next(a for a in update["aks"] if a["ak"] == "ale")
        assert (ale["conversation_goal"], ale["member_goal"]) == (7777, 77)
        assert update["total"]["conversations"] == opening["total"]["conversations"]

        # Retiring changes no total: the stream says `changed`, so dashboards re-read.
        retired = httpx.patch(
            f"{first}/api/districts/{district_id}", json={"active": False}, headers=staff
        )
        assert retired.status_code == 200
        assert next(events) == ("changed", {})
