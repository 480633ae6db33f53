"""Conversation topics: a short list staff edit; defaults seeded without overwriting edits."""

from sqlmodel import Session, col, select

from api.core.db import utcnow
from api.core.errors import Conflict, not_found
from api.models.plan import Topic, TopicCreate, TopicUpdate

DEFAULT_TOPICS = [
    ("sjukvard", "Sjukvård"),
    ("skola", "Skola"),
    ("jobb", "Jobb"),
    ("trygghet", "Trygghet"),
    ("aldreomsorg", "Äldreomsorg"),
    ("bostader", "Bostäder"),
    ("klimat", "Klimat"),
]


def seed_topics(*, session: Session) -> int:
    """Insert the default topics that are missing; a renamed or retired one stays as is."""
    present = set(session.exec(select(Topic.slug)).all())
    added = 0
    for position, (slug, label) in enumerate(DEFAULT_TOPICS):
        if slug not in present:
            session.add(Topic(slug=slug, label=label, position=position))
            added += 1
    return added


def list_topics(*, session: Session, include_retired: bool = False) -> list[Topic]:
    query = select(Topic).order_by(col(Topic.position), col(Topic.slug))
    if not include_retired:
        query = query.where(col(Topic.retired_at).is_(None))
    return list(session.exec(query).all())


def create_topic(*, session: Session, topic_in: TopicCreate) -> Topic:
    if session.get(Topic, topic_in.slug) is not None:
        raise Conflict("topic_exists", "A topic with that slug exists")
    last = session.exec(select(Topic.position).order_by(col(Topic.position).desc())).first()
    topic = Topic(slug=topic_in.slug, label=topic_in.label, position=(last or 0) + 1)
    session.add(topic)
    return topic


def update_topic(*, session: Session, slug: str, topic_in: TopicUpdate) -> Topic:
    topic = session.get(Topic, slug)
    if topic is None:
        raise not_found("topic_not_found", "No such topic")
    if topic_in.label is not None:
        topic.label = topic_in.label
    if topic_in.retired is not None:
        topic.retired_at = (topic.retired_at or utcnow()) if topic_in.retired else None
    session.add(topic)
    return topic
