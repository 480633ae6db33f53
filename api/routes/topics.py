from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.accounts import service as accounts
from api.accounts.access import CurrentStaff, CurrentUser, SessionDep
from api.core.types import SLUG_PATTERN
from api.models.plan import Topic, TopicAdminPublic, TopicCreate, TopicPublic, TopicUpdate
from api.plan import topics

router = APIRouter(tags=["topics"])


def topic_admin(topic: Topic) -> TopicAdminPublic:
    return TopicAdminPublic(
        slug=topic.slug, label=topic.label, retired=topic.retired_at is not None
    )


@router.get("/topics")
def list_topics(session: SessionDep, _: CurrentUser) -> list[TopicPublic]:
    return [TopicPublic(slug=t.slug, label=t.label) for t in topics.list_topics(session=session)]


@router.get("/topics/all")
def list_all_topics(
    session: SessionDep,
    _: CurrentStaff,
    include_retired: Annotated[bool, Query()] = True,
) -> list[TopicAdminPublic]:
    found = topics.list_topics(session=session, include_retired=include_retired)
    return [topic_admin(t) for t in found]


@router.post("/topics", status_code=status.HTTP_201_CREATED)
def create_topic(body: TopicCreate, session: SessionDep, staff: CurrentStaff) -> TopicAdminPublic:
    topic = topics.create_topic(session=session, topic_in=body)
    accounts.audit(session=session, actor_id=staff.id, action="topic.create", detail=topic.slug)
    session.commit()
    return topic_admin(topic)


@router.patch("/topics/{slug}")
def update_topic(
    slug: Annotated[str, Path(max_length=40, pattern=SLUG_PATTERN)],
    body: TopicUpdate,
    session: SessionDep,
    staff: CurrentStaff,
) -> TopicAdminPublic:
    topic = topics.update_topic(session=session, slug=slug, topic_in=body)
    changed = ",".join(sorted(body.model_dump(exclude_unset=True)))
    accounts.audit(
        session=session, actor_id=staff.id, action="topic.update", detail=f"{slug}: {changed}"
    )
    session.commit()
    return topic_admin(topic)
