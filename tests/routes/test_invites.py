"""Volunteers join by invite: single use by default, group links with a limit, expiry, revoking."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.core.db import utcnow
from api.models.accounts import AuthSession, Invite, User
from tests.conftest import MakeUser
from tests.support.accounts import bearer, make_invite, redeem, set_columns


def test_organiser_invites_and_the_volunteer_joins_their_ak(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"], name="Olle")
    invite = make_invite(client, olle)
    assert invite["url"].endswith(f"/join/{invite['code']}")
    assert invite["max_uses"] == 1
    assert invite["qr_svg"].startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "<script" not in invite["qr_svg"]
    assert len(invite["code"]) >= 32  # 256 bits, URL-safe base64
    token = redeem(client, invite["code"], name="  Vera  ")
    me = client.get("/api/me", headers=bearer(token)).json()
    assert me["name"] == "Vera"
    assert me["role"] == "volunteer"
    assert me["aks"] == ["ale"]
    with Session(db) as session:
        stored = session.exec(select(Invite)).one()
        assert invite["code"] not in stored.code_hash
        assert stored.uses == 1


def test_an_invite_is_single_use_by_default(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    code = make_invite(client, olle)["code"]
    redeem(client, code)
    again = client.post("/api/auth/redeem", json={"code": code, "name": "Nils"})
    assert again.status_code == 410
    assert again.json()["code"] == "invite_used_up"


def test_a_group_invite_takes_exactly_its_use_limit(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["lerum"])
    code = make_invite(client, olle, ak="lerum", max_uses=3)["code"]
    for n in range(3):
        redeem(client, code, name=f"Volontär {n}")
    fourth = client.post("/api/auth/redeem", json={"code": code, "name": "Fyra"})
    assert fourth.status_code == 410
    assert fourth.json()["code"] == "invite_used_up"
    users = client.get("/api/users", params={"ak": "lerum"}, headers=olle.headers).json()
    assert sorted(u["name"] for u in users if u["role"] == "volunteer") == [
        "Volontär 0",
        "Volontär 1",
        "Volontär 2",
    ]


def test_an_expired_invite_is_refused(client: TestClient, make_user: MakeUser, db: Engine):
    olle = make_user("organiser", aks=["ale"])
    invite = make_invite(client, olle)
    set_columns(db, Invite, invite["id"], expires_at=utcnow() - timedelta(seconds=1))
    response = client.post("/api/auth/redeem", json={"code": invite["code"], "name": "Vera"})
    assert response.status_code == 410
    assert response.json()["code"] == "invite_expired"


def test_an_invite_expires_within_seven_days(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    too_long = client.post(
        "/api/invites", json={"ak": "ale", "expires_in_days": 8}, headers=olle.headers
    )
    assert too_long.status_code == 422
    invite = make_invite(client, olle, expires_in_days=2)
    from datetime import datetime

    expires = datetime.fromisoformat(invite["expires_at"])
    assert timedelta(days=1, hours=23) < expires - utcnow() <= timedelta(days=2)


def test_a_revoked_invite_is_refused_and_listed_as_revoked(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    invite = make_invite(client, olle, max_uses=10)
    redeem(client, invite["code"])
    assert client.delete(f"/api/invites/{invite['id']}", headers=olle.headers).status_code == 204
    response = client.post("/api/auth/redeem", json={"code": invite["code"], "name": "Sen"})
    assert response.status_code == 410
    assert response.json()["code"] == "invite_revoked"
    listed = client.get("/api/invites", params={"ak": "ale"}, headers=olle.headers).json()
    assert listed == [
        {
            "id": invite["id"],
            "ak": "ale",
            "created_at": listed[0]["created_at"],
            "expires_at": listed[0]["expires_at"],
            "max_uses": 10,
            "uses": 1,
            "revoked": True,
            "label": None,
        }
    ]


def test_an_unknown_code_is_refused(client: TestClient):
    response = client.post("/api/auth/redeem", json={"code": "nope", "name": "Vera"})
    assert response.status_code == 400
    assert response.json()["code"] == "invite_invalid"


def test_redeeming_with_role_aks_or_id_changes_nothing(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    code = make_invite(client, olle)["code"]
    with Session(db) as session:
        before = len(session.exec(select(User)).all())
    for extra in ({"role": "staff"}, {"aks": ["lerum"]}, {"id": 1}, {"is_staff": True}):
        response = client.post("/api/auth/redeem", json={"code": code, "name": "Vera", **extra})
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"
    with Session(db) as session:
        assert len(session.exec(select(User)).all()) == before
        assert session.exec(select(Invite)).one().uses == 0
    token = redeem(client, code)
    me = client.get("/api/me", headers=bearer(token)).json()
    assert (me["role"], me["aks"]) == ("volunteer", ["ale"])


def test_a_volunteer_session_lasts_longer_than_an_organisers(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"], email="olle@example.se", password="ett-bra-losen")
    redeem(client, make_invite(client, olle)["code"])
    client.post("/api/auth/login", json={"email": "olle@example.se", "password": "ett-bra-losen"})
    with Session(db) as session:
        rows = session.exec(select(AuthSession, User).join(User)).all()
        ttl = {user.role: auth.expires_at - auth.created_at for auth, user in rows}
    assert ttl["volunteer"] >= timedelta(days=59)
    assert ttl["volunteer"] > ttl["organiser"]


def test_an_organiser_cannot_invite_to_another_ak(client: TestClient, make_user: MakeUser):
    olle = make_user("organiser", aks=["ale"])
    response = client.post("/api/invites", json={"ak": "lerum"}, headers=olle.headers)
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "code"}


def test_phones_redeeming_at_once_never_exceed_the_use_limit(
    client: TestClient, make_user: MakeUser, db: Engine
):
    from concurrent.futures import ThreadPoolExecutor

    olle = make_user("organiser", aks=["ale"])
    for _ in range(3):
        code = make_invite(client, olle, max_uses=3)["code"]

        def attempt(n: int, code: str = code) -> int:
            body = {"code": code, "name": f"Volontär {n}"}
            return client.post("/api/auth/redeem", json=body).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = sorted(pool.map(attempt, range(8)))
        assert results == [200] * 3 + [410] * 5
    with Session(db) as session:
        assert [i.uses for i in session.exec(select(Invite)).all()] == [3, 3, 3]
        assert len(session.exec(select(User).where(User.role == "volunteer")).all()) == 9


def test_an_invite_links_to_the_address_the_organiser_used_when_no_public_url_is_set(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    invite = make_invite(client, olle)
    assert invite["url"] == f"http://testserver/join/{invite['code']}"


def test_several_invites_are_listed_again_with_their_labels(
    client: TestClient, make_user: MakeUser
):
    olle = make_user("organiser", aks=["ale"])
    kerstin = make_invite(client, olle, label="  till Kerstin  ")
    plain = make_invite(client, olle, label="   ")
    assert kerstin["label"] == "till Kerstin"
    listed = client.get("/api/invites", params={"ak": "ale"}, headers=olle.headers).json()
    assert {(i["id"], i["label"]) for i in listed} == {
        (kerstin["id"], "till Kerstin"),
        (plain["id"], None),
    }
    too_long = client.post(
        "/api/invites", json={"ak": "ale", "label": "x" * 61}, headers=olle.headers
    )
    assert too_long.status_code == 422


def test_a_valid_invite_is_shown_again_with_the_same_working_link(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    group = make_invite(client, olle, label="mötet i Alafors", max_uses=2)
    make_invite(client, olle)  # a later one does not change the first one's link
    again = client.get(f"/api/invites/{group['id']}/link", headers=olle.headers)
    assert again.status_code == 200
    shown = again.json()
    assert (shown["url"], shown["code"], shown["label"]) == (
        group["url"],
        group["code"],
        "mötet i Alafors",
    )
    assert shown["qr_svg"] == group["qr_svg"]
    with Session(db) as session:
        stored = session.get(Invite, group["id"])
        assert stored is not None and stored.code_seed
        # Neither the seed nor the digest is the code: a database copy alone cannot join.
        assert group["code"] not in (stored.code_seed, stored.code_hash)
    redeem(client, shown["code"], name="Vera")


def test_a_spent_revoked_expired_or_old_invite_is_not_shown_again(
    client: TestClient, make_user: MakeUser, db: Engine
):
    olle = make_user("organiser", aks=["ale"])
    spent, revoked, expired, old = (make_invite(client, olle) for _ in range(4))
    redeem(client, spent["code"], name="Vera")
    assert client.delete(f"/api/invites/{revoked['id']}", headers=olle.headers).status_code == 204
    set_columns(db, Invite, expired["id"], expires_at=utcnow() - timedelta(minutes=1))
    set_columns(db, Invite, old["id"], code_seed=None)  # made before seeds were kept
    for invite, code in (
        (spent, "invite_inactive"),
        (revoked, "invite_inactive"),
        (expired, "invite_inactive"),
        (old, "invite_not_reshowable"),
    ):
        answer = client.get(f"/api/invites/{invite['id']}/link", headers=olle.headers)
        assert answer.status_code == 409
        assert answer.json()["code"] == code
