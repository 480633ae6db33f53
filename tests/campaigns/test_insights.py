"""A campaign's insights (GET /api/campaigns/{id}/insights), on SQLite and PostgreSQL.

The insights must equal this test's own model of the logs it sent; below AK level a breakdown
shows only where the group holds 10 conversations and no hidden cell can be worked out.
"""

import itertools
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from api.core.stockholm import stockholm_day, stockholm_today
from api.door_logs.campaigns import week_of
from tests.conftest import MakeUser, Person
from tests.support.sync import district_ids, sync

TOPICS = ["skola", "sjukvard", "jobb"]
_minute = itertools.count()


def at(days_ago: int) -> str:
    """A moment `days_ago` days back; each log its own minute, within what a person knocks."""
    moment = datetime.now(UTC) - timedelta(days=days_ago, minutes=10 + next(_minute) % 600)
    return moment.isoformat()


def a_campaign(client: TestClient, staff: Person, **changes: Any) -> dict[str, Any]:
    today = stockholm_today()
    body: dict[str, Any] = {
        "name": f"Kampanj {uuid.uuid4().hex[:6]}",
        "starts_on": (today - timedelta(days=27)).isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "topics": TOPICS,
        "question": {"text": "Vad är viktigast?", "options": ["Vården", "Skolan", "Jobben"]},
    } | changes
    response = client.post("/api/campaigns", json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def a_log(district: int, campaign: int, days_ago: int = 0, **changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "district_id": district,
        "occurred_at": at(days_ago),
        "outcome": "conversation",
        "topics": ["skola"],
        "new_member": False,
        "left_material": False,
        "campaign_id": campaign,
    } | changes


def insights(client: TestClient, who: Person, campaign: int, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/campaigns/{campaign}/insights", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_small_districts_are_hidden_and_so_is_the_one_that_would_reveal_them(
    client: TestClient, make_user: MakeUser, staff: Person
):
    campaign = a_campaign(client, staff)["id"]
    volunteer = make_user("volunteer", aks=["ale"])
    big, medium, small = district_ids(client, staff, "ale")[:3]
    logs = [a_log(big, campaign, answer=0) for _ in range(12)]
    logs += [a_log(medium, campaign, topics=["jobb"], answer=2) for _ in range(11)]
    logs += [a_log(small, campaign, topics=["sjukvard"], answer=1) for _ in range(2)]
    assert {r["status"] for r in sync(client, volunteer, logs)} == {"created"}

    ak = insights(client, staff, campaign, ak="ale")
    # The AK is whole: every topic and answer, also those from the small district.
    assert ak["summary"]["conversations"] == 25 and not ak["summary"]["suppressed"]
    assert {t["slug"]: t["n"] for t in ak["summary"]["topics"]} == {
        "skola": 12,
        "jobb": 11,
        "sjukvard": 2,
    }
    assert [a["n"] for a in ak["summary"]["answers"]] == [12, 2, 11]
    by_id = {d["district_id"]: d for d in ak["districts"]}
    assert by_id[big]["topics"] == [{"slug": "skola", "label": "Skola", "n": 12, "share": 1.0}]
    # 2 is below 10; 11 is hidden too, or the AK minus the big one would show the small one.
    for hidden in (medium, small):
        assert by_id[hidden]["suppressed"] and by_id[hidden]["topics"] is None
        assert by_id[hidden]["answers"] is None and by_id[hidden]["with_topic"] is None
    # Counts are not opinions: always shown.
    assert (by_id[medium]["conversations"], by_id[small]["conversations"]) == (11, 2)

    one = insights(client, staff, campaign, district_id=small)
    assert one["scope"]["level"] == "district" and one["summary"]["suppressed"]
    assert one["summary"]["conversations"] == 2 and one["summary"]["topics"] is None
    assert all(w["suppressed"] for w in one["weeks"])
    assert one["compare"]["ak"]["conversations"] == 25


def test_a_small_week_in_a_district_is_hidden_with_its_complement(
    client: TestClient, make_user: MakeUser, staff: Person
):
    campaign = a_campaign(client, staff)["id"]
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, staff, "ale")[0]
    this_week, weeks_ago = 0, 14
    logs = [a_log(district, campaign, this_week) for _ in range(15)]
    logs += [a_log(district, campaign, weeks_ago, topics=["jobb"]) for _ in range(12)]
    logs += [a_log(district, campaign, 7, topics=["klimat"]) for _ in range(3)]
    results = sync(client, volunteer, logs)
    assert {r["status"] for r in results} == {"created"}
    # klimat is not offered by the campaign: the logs land, without that topic.
    assert {r.get("warning") for r in results[-3:]} == {"topic_not_offered"}
    body = insights(client, staff, campaign, district_id=district)
    assert body["summary"]["conversations"] == 30 and not body["summary"]["suppressed"]
    weeks = {w["week"]: w for w in body["weeks"] if w["conversations"]}
    small = week_of(stockholm_day(datetime.now(UTC) - timedelta(days=7, minutes=10)))
    assert weeks[small.isoformat()]["suppressed"]
    shown = [w for w in weeks.values() if not w["suppressed"]]
    hidden = [w for w in weeks.values() if w["suppressed"]]
    # The district's total minus the shown weeks must not give away the small week alone.
    assert len(hidden) >= 2 and sum(w["conversations"] for w in hidden) >= 10
    assert all(w["conversations"] >= 10 for w in shown)


# --- The model ------------------------------------------------------------------------------

_log = st.tuples(
    st.integers(0, 3),  # which district (the fourth is Lerum's)
    st.integers(0, 24),  # days ago: the campaign's weeks
    st.sampled_from(["conversation", "conversation", "not_home", "declined"]),
    st.sets(st.sampled_from(TOPICS), max_size=2),
    st.one_of(st.none(), st.integers(0, 2)),  # the answer
    st.booleans(),  # joined
)


def _model(sent: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Counts per district and week, straight from what the test sent."""
    conv: Counter[tuple[int, str]] = Counter()
    doors: Counter[tuple[int, str]] = Counter()
    topics: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    answers: dict[tuple[int, str], Counter[int]] = defaultdict(Counter)
    with_topic: Counter[tuple[int, str]] = Counter()
    members: Counter[tuple[int, str]] = Counter()
    for district, day, outcome, said, answer, joined in sent:
        key = (district, week_of(day).isoformat())
        doors[key] += 1
        if outcome != "conversation":
            continue
        conv[key] += 1
        members[key] += joined
        with_topic[key] += bool(said)
        topics[key].update(said)
        if answer is not None:
            answers[key][answer] += 1
    return {
        "conv": conv,
        "doors": doors,
        "topics": topics,
        "answers": answers,
        "with_topic": with_topic,
        "members": members,
    }


def _sum(model: dict[str, Any], keep: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "conversations": 0,
        "doors": 0,
        "members": 0,
        "with_topic": 0,
        "topics": Counter(),
        "answers": Counter(),
    }
    for key in model["doors"]:
        if keep(key):
            out["conversations"] += model["conv"][key]
            out["doors"] += model["doors"][key]
            out["members"] += model["members"][key]
            out["with_topic"] += model["with_topic"][key]
            out["topics"].update(model["topics"][key])
            out["answers"].update(model["answers"][key])
    return out


def _check(shown: dict[str, Any], expected: dict[str, Any], whole: bool) -> None:
    assert shown["conversations"] == expected["conversations"]
    assert shown["doors"] == expected["doors"]
    assert shown["members"] == expected["members"]
    if whole:
        assert not shown["suppressed"]
    if shown["suppressed"]:
        assert shown["topics"] is None and shown["answers"] is None
        return
    assert whole or expected["conversations"] >= 10  # the threshold below AK level
    assert shown["with_topic"] == expected["with_topic"]
    assert {t["slug"]: t["n"] for t in shown["topics"]} == dict(+expected["topics"])
    assert [a["n"] for a in shown["answers"]] == [expected["answers"][i] for i in range(3)]
    ranked = [t["n"] for t in shown["topics"]]
    assert ranked == sorted(ranked, reverse=True)


def _no_hidden_cell_revealed(groups: list[dict[str, Any]]) -> None:
    """The whole figure minus the shown groups must not give away one small hidden group
    (unless every group is hidden: then the line is the whole figure, shown by right)."""
    holding = [g["conversations"] for g in groups if g["suppressed"] and g["conversations"]]
    every = all(g["suppressed"] for g in groups)
    assert not holding or every or (len(holding) >= 2 and sum(holding) >= 10)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(logs=st.lists(_log, min_size=1, max_size=70))
def test_the_insights_equal_a_model_of_the_logs_sent(
    db: Engine, client: TestClient, make_user: MakeUser, logs: list[tuple[Any, ...]]
):
    staff = make_user("staff")
    campaign = a_campaign(client, staff)["id"]
    ale = district_ids(client, staff, "ale")[:3]
    lerum = district_ids(client, staff, "lerum")[0]
    districts = [*ale, lerum]
    sent: list[tuple[Any, ...]] = []
    items = []
    for which, days_ago, outcome, said, answer, joined in logs:
        item = a_log(
            districts[which],
            campaign,
            days_ago,
            outcome=outcome,
            topics=sorted(said) if outcome == "conversation" else [],
            answer=answer if outcome == "conversation" else None,
            new_member=joined and outcome == "conversation",
        )
        if item["answer"] is None:
            del item["answer"]
        items.append(item)
        day = stockholm_day(datetime.fromisoformat(item["occurred_at"]))
        sent.append(
            (
                districts[which],
                day,
                outcome,
                set(item["topics"]),
                item.get("answer"),
                item["new_member"],
            )
        )
    volunteers = {"ale": make_user("volunteer", aks=["ale", "lerum"])}
    assert {r["status"] for r in sync(client, volunteers["ale"], items)} == {"created"}
    model = _model(sent)

    distrikt = insights(client, staff, campaign)
    _check(distrikt["summary"], _sum(model, lambda k: True), whole=True)
    for week in distrikt["weeks"]:
        _check(week, _sum(model, lambda k, w=week["week"]: k[1] == w), whole=True)
    by_ak = {a["ak"]: a for a in distrikt["aks"]}
    if "lerum" in by_ak:
        _check(by_ak["lerum"], _sum(model, lambda k: k[0] == lerum), whole=True)

    ak = insights(client, staff, campaign, ak="ale")
    in_ale = _sum(model, lambda k: k[0] in ale)
    _check(ak["summary"], in_ale, whole=True)
    for week in ak["weeks"]:
        _check(week, _sum(model, lambda k, w=week["week"]: k[0] in ale and k[1] == w), whole=True)
    for row in ak["districts"]:
        _check(row, _sum(model, lambda k, d=row["district_id"]: k[0] == d), whole=False)
    _no_hidden_cell_revealed(ak["districts"])
    _check(ak["compare"]["distrikt"], _sum(model, lambda k: True), whole=True)

    grid: dict[tuple[int, str], dict[str, Any]] = {}
    for district in ale:
        one = insights(client, staff, campaign, district_id=district)
        _check(one["summary"], _sum(model, lambda k, d=district: k[0] == d), whole=False)
        for week in one["weeks"]:
            expected = _sum(model, lambda k, d=district, w=week["week"]: k == (d, w))
            _check(week, expected, whole=False)
            grid[(district, week["week"])] = week
        if not one["summary"]["suppressed"]:  # its total is shown: its weeks are a line
            _no_hidden_cell_revealed(one["weeks"])
    for week in {w for _, w in grid}:  # the AK's week is shown whole: its districts a line
        _no_hidden_cell_revealed([g for (d, w), g in grid.items() if w == week])


def test_the_ak_is_compared_with_its_previous_campaign_and_the_distrikt(
    client: TestClient, make_user: MakeUser, staff: Person
):
    today = stockholm_today()
    earlier = a_campaign(
        client,
        staff,
        name="Våren",
        starts_on=(today - timedelta(days=27)).isoformat(),
        ends_on=(today - timedelta(days=20)).isoformat(),
        aks=["ale"],
    )["id"]
    other_ak = a_campaign(  # later, but not Ale's: never Ale's previous campaign
        client,
        staff,
        name="Lerums egen",
        starts_on=(today - timedelta(days=19)).isoformat(),
        ends_on=(today - timedelta(days=18)).isoformat(),
        aks=["lerum"],
    )["id"]
    now = a_campaign(client, staff, starts_on=(today - timedelta(days=10)).isoformat(), goal=100)[
        "id"
    ]
    volunteer = make_user("volunteer", aks=["ale", "lerum"])
    ale = district_ids(client, staff, "ale")[0]
    lerum = district_ids(client, staff, "lerum")[0]
    logs = [a_log(ale, earlier, 25, topics=["jobb"]) for _ in range(4)]
    logs += [a_log(lerum, other_ak, 19) for _ in range(2)]
    logs += [a_log(ale, now, 1, answer=1) for _ in range(3)]
    logs += [a_log(lerum, now, 1, topics=["sjukvard"]) for _ in range(5)]
    assert {r["status"] for r in sync(client, volunteer, logs)} == {"created"}
    body = insights(client, staff, now, ak="ale")
    assert body["compare"]["previous"]["id"] == earlier
    assert body["compare"]["previous"]["topics"][0]["slug"] == "jobb"
    assert body["compare"]["previous"]["conversations"] == 4
    assert body["compare"]["distrikt"]["conversations"] == 8
    assert body["summary"]["share_with_topic"] == 1.0
    assert body["compare"]["distrikt"]["topics"][0] == {
        "slug": "sjukvard",
        "label": body["compare"]["distrikt"]["topics"][0]["label"],
        "n": 5,
        "share": 0.625,
    }
    # The distrikt's previous campaign is simply the one before, whichever AKs it had.
    assert insights(client, staff, now)["compare"]["previous"]["id"] == other_ak


def test_pace_follows_the_years_rule_against_the_campaigns_goal(
    client: TestClient, make_user: MakeUser, staff: Person
):
    today = stockholm_today()
    # Eleven days of which today is the sixth: 6/11 of the goal is expected today.
    campaign = a_campaign(
        client,
        staff,
        starts_on=(today - timedelta(days=5)).isoformat(),
        ends_on=(today + timedelta(days=5)).isoformat(),
        goal=110,
    )["id"]
    volunteer = make_user("volunteer", aks=["ale"])
    district = district_ids(client, staff, "ale")[0]
    assert {r["status"] for r in sync(client, volunteer, [a_log(district, campaign)] * 1)} == {
        "created"
    }
    pace = insights(client, staff, campaign)["pace"]
    assert pace["share_passed"] == round(6 / 11, 4) and pace["expected"] == 60
    assert pace["conversations"] == 1 and pace["on_track"] is False
    assert pace["weeks"][-1]["conversations"] == 1
    assert [w["expected"] for w in pace["weeks"]] == sorted(w["expected"] for w in pace["weeks"])


def test_who_may_read_which_insights(client: TestClient, make_user: MakeUser, staff: Person):
    campaign = a_campaign(client, staff, aks=["ale"])["id"]
    organiser = make_user("organiser", aks=["ale"])
    foreign = make_user("organiser", aks=["lerum"])
    volunteer = make_user("volunteer", aks=["ale"])
    url = f"/api/campaigns/{campaign}/insights"
    assert client.get(url, params={"ak": "ale"}, headers=organiser.headers).status_code == 200
    assert client.get(url, headers=organiser.headers).status_code == 403  # the distrikt
    assert client.get(url, params={"ak": "lerum"}, headers=foreign.headers).status_code == 404
    assert client.get(url, params={"ak": "ale"}, headers=foreign.headers).status_code == 403
    assert client.get(url, params={"ak": "ale"}, headers=volunteer.headers).status_code == 403
    lerum_district = district_ids(client, staff, "lerum")[0]
    scope = {"ak": "ale", "district_id": lerum_district}
    wrong = client.get(url, params=scope, headers=staff.headers)
    assert wrong.status_code == 404 and wrong.json()["code"] == "district_not_found"
    missing = client.get("/api/campaigns/999999/insights", headers=staff.headers)
    assert missing.status_code == 404
