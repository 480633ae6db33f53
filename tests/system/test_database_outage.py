"""When the database cannot be reached the API says so: 503, Retry-After, a generic body."""

from fastapi.testclient import TestClient

from api.main import create_app
from tests.conftest import make_settings


def test_an_unreachable_database_answers_503_with_retry_after():
    # Nothing listens on port 1: every connection attempt is refused at once.
    app = create_app(make_settings("postgresql+psycopg://postgres@127.0.0.1:1/knacka"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/health")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json() == {
            "detail": "The database is unavailable, try again shortly",
            "code": "database_unavailable",
        }
        login = client.post("/api/auth/login", json={"email": "a@example.se", "password": "x"})
        assert login.status_code == 503
        assert "127.0.0.1" not in login.text and "Traceback" not in login.text
