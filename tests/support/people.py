"""People with ready sessions, made straight in a server's database."""

from datetime import timedelta

from sqlmodel import Session, select

from api.accounts.sessions import create_session
from api.core.db import make_engine
from api.models.accounts import User, UserAk
from api.models.plan import Ak


def make_person(
    database_url: str,
    secret_key: str,
    role: str,
    aks: list[str] = (),  # type: ignore[assignment]
    name: str | None = None,
) -> str:
    """Creates a user of `role` in `aks` and returns a bearer token for them."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            user = User(name=name or role.capitalize(), role=role)
            session.add(user)
            session.flush()
            for slug in aks:
                ak = session.exec(select(Ak).where(Ak.slug == slug)).one()
                session.add(UserAk(user_id=user.id, ak_id=ak.id))  # type: ignore[arg-type]
            token, _ = create_session(
                session=session, user=user, secret_key=secret_key, ttl=timedelta(hours=2)
            )
            session.commit()
            return token
    finally:
        engine.dispose()
