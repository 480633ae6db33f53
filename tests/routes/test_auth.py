"""Staff and organisers sign in with e-mail and password and get a bearer token."""

from fastapi.testclient import TestClient

from tests.conftest import MakeUser, Person


def test_organiser_signs_in_and_sees_their_aks(client: TestClient, make_user: MakeUser):
    make_user(
        "organiser",
        aks=["ale", "lerum"],
        name="Olle",
        email="olle@example.se",
        password="ett-bra-losen",
    )
    response = client.post(
        "/api/auth/login", json={"email": "Olle@Example.se ", "password": "ett-bra-losen"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["name"] == "Olle"
    assert me.json()["role"] == "organiser"
    assert me.json()["aks"] == ["ale", "lerum"]


def test_wrong_password_and_unknown_email_answer_alike(client: TestClient, make_user: MakeUser):
    make_user("staff", email="stina@example.se", password="ett-bra-losen")
    wrong = client.post("/api/auth/login", json={"email": "stina@example.se", "password": "x"})
    unknown = client.post("/api/auth/login", json={"email": "nobody@example.se", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


def test_logout_ends_the_session_on_the_server(client: TestClient, make_user: MakeUser):
    make_user("staff", email="stina@example.se", password="ett-bra-losen")
    token = client.post(
        "/api/auth/login", json={"email": "stina@example.se", "password": "ett-bra-losen"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401


def test_login_refuses_extra_fields(client: TestClient, make_user: MakeUser):
    make_user("staff", email="stina@example.se", password="ett-bra-losen")
    response = client.post(
        "/api/auth/login",
        json={"email": "stina@example.se", "password": "ett-bra-losen", "role": "staff"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_me_tells_the_phone_how_long_its_author_may_undo_a_log(
    client: TestClient, make_user: MakeUser
):
    vera = make_user("volunteer", aks=["ale"])
    me = client.get("/api/me", headers=vera.headers).json()
    assert me["void_window_minutes"] == 10


def test_staff_change_their_password_and_common_ones_are_refused(
    client: TestClient, make_user: MakeUser
):
    # Failed before the fix: there was no route, and "Sommar2026!" was a fine password.
    make_user("organiser", aks=["ale"], email="olle@example.se", password="ett-bra-losen-1")
    first = client.post(
        "/api/auth/login", json={"email": "olle@example.se", "password": "ett-bra-losen-1"}
    ).json()["access_token"]
    other = client.post(
        "/api/auth/login", json={"email": "olle@example.se", "password": "ett-bra-losen-1"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {first}"}

    def change(current: str, new: str) -> tuple[int, str]:
        response = client.post(
            "/api/auth/password",
            json={"current_password": current, "new_password": new},
            headers=headers,
        )
        return response.status_code, response.json().get("code", "") if response.content else ""

    assert change("fel-losen-1", "ett helt nytt lösenord") == (401, "invalid_password")
    for common in ("Sommar2026!", "lösenord123", "Password123", "olle@example.se"):
        assert change("ett-bra-losen-1", common) == (422, "weak_password"), common
    assert change("ett-bra-losen-1", "kort")[0] == 422
    assert change("ett-bra-losen-1", "ett helt nytt lösenord") == (204, "")
    # The asking session lives on; every other one has ended; the new password signs in.
    assert client.get("/api/me", headers=headers).status_code == 200
    assert client.get("/api/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    signed_in = client.post(
        "/api/auth/login", json={"email": "olle@example.se", "password": "ett helt nytt lösenord"}
    )
    assert signed_in.status_code == 200


def test_a_new_account_with_a_common_password_is_refused(client: TestClient, staff: Person):
    response = client.post(
        "/api/users",
        json={
            "email": "ny@example.se",
            "password": "Goteborg2025",
            "name": "Ny",
            "role": "organiser",
            "aks": ["ale"],
        },
        headers=staff.headers,
    )
    assert (response.status_code, response.json()["code"]) == (422, "weak_password")
