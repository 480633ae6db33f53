"""Live streams are capped per session and per address; a refused one costs nothing, and a
stream gives its place back however it ends."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web.admission import StreamCaps
from tests.conftest import MakeUser

YEAR = 2026


def test_one_session_cannot_hold_more_streams_than_its_cap(
    app: FastAPI, client: TestClient, make_user: MakeUser
):
    # Failed before the fix: one token held 5,000 streams.
    app.state.stream_caps = caps = StreamCaps(per_session=2, per_address=100)
    staff = make_user("staff")
    session_id = _session_id_of(app, staff.headers)
    caps.sessions[session_id] = 2  # two streams of this session are open
    refused = client.get("/api/totals/stream", params={"year": YEAR}, headers=staff.headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_streams"
    assert refused.headers["Retry-After"] == "5"
    # Another session of the same person on another device still gets its stream.
    other = make_user("staff")
    with client.stream(
        "GET", "/api/totals/stream", params={"year": YEAR}, headers=other.headers
    ) as stream:
        assert stream.status_code == 200
        assert caps.sessions.get(_session_id_of(app, other.headers)) == 1
        stream.read()  # the stream ends after stream_max_seconds
    assert _session_id_of(app, other.headers) not in caps.sessions
    assert caps.sessions == {session_id: 2}


def test_one_address_cannot_hold_more_streams_than_its_cap(
    app: FastAPI, client: TestClient, make_user: MakeUser
):
    app.state.stream_caps = caps = StreamCaps(per_session=10, per_address=3)
    caps.addresses["testclient"] = 3  # TestClient's address
    fresh = make_user("volunteer", aks=["ale"])
    refused = client.get("/api/totals/stream", params={"year": YEAR}, headers=fresh.headers)
    assert (refused.status_code, refused.json()["code"]) == (429, "too_many_streams")
    caps.addresses["testclient"] = 2
    answered = client.get("/api/totals/stream", params={"year": YEAR}, headers=fresh.headers)
    assert answered.status_code == 200
    assert caps.addresses == {"testclient": 2} and caps.sessions == {}


def test_a_ticket_is_given_back_once_however_often_it_is_closed():
    caps = StreamCaps(per_session=1, per_address=1)
    ticket = caps.open(7, "192.0.2.1")
    ticket.close()
    ticket.close()
    assert caps.sessions == {} and caps.addresses == {}
    again = caps.open(7, "192.0.2.1")
    assert again.open


def _session_id_of(app: FastAPI, headers: dict[str, str]) -> int:
    from sqlmodel import Session

    from api.accounts.sessions import find_session_facts
    from api.core.db import utcnow

    token = headers["Authorization"].split(" ", 1)[1]
    with Session(app.state.engine) as session:
        facts = find_session_facts(
            session=session, token=token, secret_key=app.state.settings.secret_key, now=utcnow()
        )
    assert facts is not None
    return facts.session_id
