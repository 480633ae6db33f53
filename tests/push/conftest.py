"""Web Push tests: a stand-in push service per test, and a way to subscribe through the API."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.support.push_service import PushService

Subscribe = Callable[[Person], dict[str, Any]]


@pytest.fixture
def push_service() -> Iterator[PushService]:
    with PushService() as service:
        yield service


@pytest.fixture
def subscribe(client: TestClient, push_service: PushService) -> Subscribe:
    """subscribe(person): a new browser of theirs, subscribed with the server's key as the app
    does it (GET /api/push/key, then POST the subscription)."""

    def _subscribe(person: Person) -> dict[str, Any]:
        key = client.get("/api/push/key").json()["public_key"]
        subscription = push_service.subscribe(server_key=key)
        answer = client.post("/api/push/subscriptions", json=subscription, headers=person.headers)
        assert answer.status_code == 201, answer.text
        return subscription

    return _subscribe
