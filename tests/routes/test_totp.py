"""TOTP for staff and organisers: enrol, verify, recovery codes, required by a setting."""

import time

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.main import create_app
from api.models.accounts import RecoveryCode, TotpFactor
from tests.conftest import MakeUser, make_settings
from tests.support.accounts import bearer

CREDENTIALS = {"email": "olle@example.se", "password": "ett-bra-losen"}


def _login(client: TestClient, **extra: str) -> tuple[int, dict[str, str]]:
    response = client.post("/api/auth/login", json={**CREDENTIALS, **extra})
    return response.status_code, response.json()


def _enrol(client: TestClient, token: str) -> tuple[pyotp.TOTP, list[str]]:
    started = client.post("/api/auth/totp", headers=bearer(token))
    assert started.status_code == 201
    body = started.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/Knacka")
    assert body["qr_svg"].startswith("<svg")
    totp = pyotp.TOTP(body["secret"])
    verified = client.post(
        "/api/auth/totp/verify", json={"code": totp.now()}, headers=bearer(token)
    )
    assert verified.status_code == 200, verified.text
    codes: list[str] = verified.json()["recovery_codes"]
    return totp, codes


def test_after_enrolment_sign_in_needs_a_code(client: TestClient, make_user: MakeUser):
    make_user("organiser", aks=["ale"], **CREDENTIALS)
    status, body = _login(client)
    totp, codes = _enrol(client, body["access_token"])
    assert len(codes) == 10 and len(set(codes)) == 10
    status, body = _login(client)
    assert (status, body["code"]) == (401, "totp_required")
    status, body = _login(client, totp="000000" if totp.now() != "000000" else "111111")
    assert (status, body["code"]) == (401, "totp_invalid")
    # The next step's code: the current one was used to enrol and is never accepted twice.
    code = totp.at(time.time() + totp.interval)
    status, body = _login(client, totp=code)
    assert status == 200
    status, body = _login(client, totp=code)
    assert (status, body["code"]) == (401, "totp_invalid")


def test_a_recovery_code_works_once(client: TestClient, make_user: MakeUser, db: Engine):
    make_user("organiser", aks=["ale"], **CREDENTIALS)
    _, codes = _enrol(client, _login(client)[1]["access_token"])
    assert _login(client, totp=codes[0].upper())[0] == 200
    status, body = _login(client, totp=codes[0])
    assert (status, body["code"]) == (401, "totp_invalid")
    with Session(db) as session:
        stored = [r.code_hash for r in session.exec(select(RecoveryCode)).all()]
    assert len(stored) == 10
    assert not any(c.replace("-", "") in h or c in h for c in codes for h in stored)


def test_new_recovery_codes_replace_the_old(client: TestClient, make_user: MakeUser):
    make_user("organiser", aks=["ale"], **CREDENTIALS)
    token = _login(client)[1]["access_token"]
    _, old = _enrol(client, token)
    new = client.post("/api/auth/totp/recovery-codes", headers=bearer(token)).json()
    assert set(new["recovery_codes"]).isdisjoint(old)
    assert _login(client, totp=old[1])[0] == 401
    assert _login(client, totp=new["recovery_codes"][1])[0] == 200


def test_enrolling_twice_is_refused_and_a_wrong_first_code_keeps_it_off(
    client: TestClient, make_user: MakeUser, db: Engine
):
    make_user("organiser", aks=["ale"], **CREDENTIALS)
    token = _login(client)[1]["access_token"]
    client.post("/api/auth/totp", headers=bearer(token))
    wrong = client.post("/api/auth/totp/verify", json={"code": "12345x"}, headers=bearer(token))
    assert wrong.status_code == 400
    assert _login(client)[0] == 200  # not yet on
    _enrol(client, token)
    assert client.post("/api/auth/totp", headers=bearer(token)).status_code == 409
    with Session(db) as session:
        assert session.exec(select(TotpFactor)).one().confirmed_at is not None


def test_volunteers_have_no_totp(client: TestClient, make_user: MakeUser):
    vera = make_user("volunteer", aks=["ale"])
    assert client.post("/api/auth/totp", headers=vera.headers).status_code == 403


def test_when_totp_is_required_a_password_only_session_can_only_enrol(
    database_url: str, db: Engine, make_user: MakeUser
):
    make_user("organiser", aks=["ale"], **CREDENTIALS)
    app = create_app(make_settings(database_url, require_totp=True))
    with TestClient(app) as client:
        status, body = _login(client)
        assert status == 200
        token = body["access_token"]
        refused = client.get("/api/aks", headers=bearer(token))
        assert refused.status_code == 403
        assert refused.json()["code"] == "totp_enrolment_required"
        assert (
            client.get("/api/users", params={"ak": "ale"}, headers=bearer(token)).status_code == 403
        )
        assert client.get("/api/me", headers=bearer(token)).status_code == 200
        totp, _ = _enrol(client, token)
        assert client.get("/api/aks", headers=bearer(token)).status_code == 200
        # From now on the code is needed to sign in at all.
        assert _login(client)[1]["code"] == "totp_required"
        assert _login(client, totp=totp.at(time.time() + totp.interval))[0] == 200


def test_a_code_is_taken_once_by_two_sign_ins_that_read_the_factor_at_the_same_time(
    db: Engine, make_user: MakeUser
):
    # Failed before the fix: both sign-ins had read last_step before either wrote it, so the
    # check in Python let the same code in twice (parallel logins).
    from datetime import UTC, datetime

    from api.accounts import service as accounts
    from api.models.accounts import User

    person = make_user("organiser", aks=["ale"], **CREDENTIALS)
    secret = pyotp.random_base32()
    with Session(db) as session:
        session.add(TotpFactor(user_id=person.id, secret=secret, confirmed_at=datetime.now(UTC)))
        session.commit()
    code = pyotp.TOTP(secret).now()
    now = datetime.now(UTC)
    first, second = Session(db), Session(db)
    try:
        users = [s.get(User, person.id) for s in (first, second)]
        # Both load the factor (last_step still empty) before either takes the code; held
        # here, so each session keeps what it read (its identity map holds objects weakly).
        factors = [
            accounts.get_totp(session=s, user=u)  # type: ignore[arg-type]
            for s, u in zip((first, second), users, strict=True)
        ]
        assert all(f is not None and f.last_step is None for f in factors)
        assert accounts.verify_second_factor(
            session=first,
            user=users[0],
            code=code,
            secret_key="k",
            now=now,  # type: ignore[arg-type]
        )
        first.commit()
        assert not accounts.verify_second_factor(
            session=second,
            user=users[1],
            code=code,
            secret_key="k",
            now=now,  # type: ignore[arg-type]
        )
        second.commit()
    finally:
        first.close()
        second.close()
