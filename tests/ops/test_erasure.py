"""Erasure erases: no row holds the person's id, name or sessions; every total is unchanged."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.door_logs.rollups import door_count_user_day, recount, stored_rollups
from api.models.accounts import ANONYMOUS_ROLE, User
from tests.conftest import MakeUser, Person
from tests.support.history import build_history, figures, rows_naming


def test_erasing_people_leaves_no_row_with_their_id_or_name_and_every_total_equal(
    client: TestClient, db: Engine, make_user: MakeUser, staff: Person
):
    history = build_history(client, make_user, staff)
    vera, ville = history.volunteers
    before = figures(client, db, staff)
    assert rows_naming(db, person_id=vera.id, name=vera.name)  # the check can see her

    for person, by in (
        (vera, history.organiser),
        (ville, history.organiser),
        (history.organiser, staff),
    ):
        response = client.post(f"/api/users/{person.id}/erase", headers=by.headers)
        assert response.status_code == 200, response.text
        assert person.name not in response.text
        assert client.get("/api/me", headers=person.headers).status_code == 401

    for person in (vera, ville, history.organiser):
        assert rows_naming(db, person_id=person.id, name=person.name) == [], person.name
    assert figures(client, db, staff) == before
    with Session(db) as session:
        anonymous = (
            session.execute(select(User.id).where(User.role == ANONYMOUS_ROLE)).scalars().all()
        )
        assert len(anonymous) == 1  # ONE shared id: the two volunteers' counts merged
        holders = (
            session.execute(select(func.distinct(door_count_user_day.c.user_id))).scalars().all()
        )
        assert holders == anonymous
        assert stored_rollups(session=session) == recount(session=session)
    # The anonymous account is nobody to manage, and erasing again finds nobody.
    again = client.post(f"/api/users/{anonymous[0]}/erase", headers=staff.headers)
    assert again.status_code == 404
    assert client.post(f"/api/users/{vera.id}/erase", headers=staff.headers).status_code == 404
