"""Topics: Swedish defaults, edited by staff; a retired topic is refused in new logs."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.core.config import REPO_ROOT
from api.plan.seed import read_plan, seed_plan
from tests.conftest import MakeUser, Person
from tests.support.sync import a_log, district_ids, sync


def test_the_default_topics_are_listed_in_swedish(client: TestClient, staff: Person):
    response = client.get("/api/topics", headers=staff.headers)
    assert response.status_code == 200
    assert {"slug": "sjukvard", "label": "Sjukvård"} in response.json()
    assert [t["slug"] for t in response.json()] == [
        "sjukvard",
        "skola",
        "jobb",
        "trygghet",
        "aldreomsorg",
        "bostader",
        "klimat",
    ]


def test_staff_add_rename_and_retire_topics(client: TestClient, staff: Person, make_user: MakeUser):
    volunteer = make_user("volunteer", aks=["ale"])
    organiser = make_user("organiser", aks=["ale"])
    district = district_ids(client, volunteer, "ale")[0]
    new = {"slug": "kollektivtrafik", "label": "Kollektivtrafik"}
    assert client.post("/api/topics", json=new, headers=organiser.headers).status_code == 403
    assert client.post("/api/topics", json=new, headers=staff.headers).status_code == 201
    assert client.post("/api/topics", json=new, headers=staff.headers).json()["code"] == (
        "topic_exists"
    )
    bad_slug = client.post("/api/topics", json={"slug": "Åäö", "label": "x"}, headers=staff.headers)
    assert bad_slug.status_code == 422
    before_retiring = a_log(district, topics=["klimat"])
    assert sync(client, volunteer, [before_retiring])[0]["status"] == "created"
    assert sync(client, volunteer, [a_log(district, topics=["kollektivtrafik"])])[0]["status"] == (
        "created"
    )

    renamed = client.patch("/api/topics/skola", json={"label": "Skolan"}, headers=staff.headers)
    assert renamed.json() == {"slug": "skola", "label": "Skolan", "retired": False}
    client.patch("/api/topics/klimat", json={"retired": True}, headers=staff.headers)
    slugs = [t["slug"] for t in client.get("/api/topics", headers=volunteer.headers).json()]
    assert "klimat" not in slugs and "kollektivtrafik" in slugs
    assert sync(client, volunteer, [a_log(district, topics=["klimat"])])[0]["code"] == (
        "unknown_topic"
    )
    assert sync(client, volunteer, [before_retiring])[0]["status"] == "duplicate"
    everything = client.get("/api/topics/all", headers=staff.headers).json()
    assert {"slug": "klimat", "label": "Klimat", "retired": True} in everything


def test_seeding_again_keeps_staffs_edits(client: TestClient, staff: Person, db: Engine):
    client.patch("/api/topics/skola", json={"label": "Skolan"}, headers=staff.headers)
    client.patch("/api/topics/jobb", json={"retired": True}, headers=staff.headers)
    with Session(db) as session:
        report = seed_plan(session=session, plan=read_plan(REPO_ROOT / "seeds"))
    assert not report.changed
    everything = client.get("/api/topics/all", headers=staff.headers).json()
    assert {"slug": "skola", "label": "Skolan", "retired": False} in everything
    assert {"slug": "jobb", "label": "Jobb", "retired": True} in everything
