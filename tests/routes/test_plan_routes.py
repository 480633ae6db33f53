"""Bad requests to the plan's read routes get a clear 4xx with a stable code."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person


def test_health_answers_without_a_token_and_names_the_database(client: TestClient, backend: str):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": backend}


@pytest.mark.parametrize("path", ["/api/aks", "/api/districts", "/api/goals?year=2026", "/api/me"])
def test_read_routes_need_a_token(client: TestClient, path: str):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_made_up_token_is_refused(client: TestClient):
    response = client.get("/api/aks", headers={"Authorization": "Bearer not-a-real-token"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_ak_slug_is_a_404_with_a_code(client: TestClient, staff: Person):
    response = client.get("/api/districts", params={"ak": "goteborg"}, headers=staff.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "ak_not_found"


def test_a_year_without_goals_is_a_404_with_a_code(client: TestClient, staff: Person):
    response = client.get("/api/goals", params={"year": 2031}, headers=staff.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "goals_not_found"


@pytest.mark.parametrize("year", ["tjugo", "", "1800"])
def test_a_malformed_year_is_a_422_with_a_code(client: TestClient, staff: Person, year: str):
    response = client.get("/api/goals", params={"year": year}, headers=staff.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_unknown_api_route_is_json_404(client: TestClient):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
