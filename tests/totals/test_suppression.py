"""Below AK level a topic breakdown needs 10 conversations, with complementary suppression."""

from fastapi.testclient import TestClient

from api.core.stockholm import stockholm_today
from api.totals.suppression import suppressed
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, district_ids, sync


def test_a_small_group_is_hidden_and_so_is_the_next_smallest_that_would_reveal_it():
    assert suppressed({"a": 30, "b": 12, "c": 3}) == {"c", "b"}
    assert suppressed({"a": 30, "b": 12, "c": 3, "d": 8}) == {"c", "d"}
    assert suppressed({"a": 30, "b": 12}) == set()
    assert suppressed({"a": 30, "b": 0}) == {"b"}  # nothing said there: nothing to reveal
    assert suppressed({"a": 4, "b": 5}) == {"a", "b"}


def test_the_district_view_hides_small_districts_topics_but_not_their_counts(
    client: TestClient, make_user: MakeUser, staff: Person
):
    volunteer = make_user("volunteer", aks=["ale"])
    big, medium, small = district_ids(client, staff, "ale")[:3]
    logs = [a_log(big, topics=["skola"]) for _ in range(12)]
    logs += [a_log(medium, topics=["jobb"]) for _ in range(11)]
    logs += [a_log(small, topics=["klimat"]) for _ in range(2)]
    assert {r["status"] for r in sync(client, volunteer, logs)} == {"created"}
    rows = client.get(
        "/api/totals/districts",
        params={"year": stockholm_today().year, "ak": "ale"},
        headers=staff.headers,
    ).json()
    by_id = {r["district_id"]: r for r in rows}
    assert by_id[big]["topics"] == [{"slug": "skola", "n": 12}]
    # The small one is below 10; the medium one is hidden too, or AK minus big would show it.
    for hidden in (medium, small):
        assert by_id[hidden]["topics"] is None and by_id[hidden]["topics_suppressed"]
    assert (by_id[small]["conversations"], by_id[medium]["conversations"]) == (2, 11)
    ak_topics = client.get(
        "/api/totals/topics",
        params={"year": stockholm_today().year, "ak": "ale"},
        headers=staff.headers,
    ).json()
    assert {t["slug"]: t["conversations"] for t in ak_topics} == {
        "skola": 12,
        "jobb": 11,
        "klimat": 2,
    }
