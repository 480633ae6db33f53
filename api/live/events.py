"""The one place that hears about changed counts, right after a commit."""

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

log = logging.getLogger("knacka.events")


def announce_in_transaction(app_state: Any, session: Session, years: Iterable[int]) -> bool:
    """Before the commit: let the hook announce within the write's own transaction.

    On PostgreSQL the real hook sends its NOTIFY on the session's connection: delivered at
    the commit, dropped with a rollback, and no second connection and commit per write.
    True when announced; then `counts_changed` after the commit is told so and does nothing.
    """
    within = getattr(getattr(app_state, "on_counts_changed", None), "within_transaction", None)
    changed = sorted(set(years))
    if within is None or not changed:
        return False
    return bool(within(session, changed))


def counts_changed(app_state: Any, years: Iterable[int], *, announced: bool = False) -> None:
    """Called once per request, after a successful commit that changed counts of `years`."""
    hook = getattr(app_state, "on_counts_changed", None)
    if hook is None or announced:
        return
    for year in sorted(set(years)):
        try:
            hook(year)
        except (OperationalError, InterfaceError) as exc:
            # The write is committed: answering 503 would only make the phone resend it. A lost
            # announcement costs the streams freshness until their next event or reconnect.
            log.warning("could not announce changed counts of %s: %s", year, exc)


def commit_and_announce(app_state: Any, session: Session, years: Iterable[int]) -> None:
    """How every request that changes counts ends: announce within the transaction where the
    database can (PostgreSQL NOTIFY), commit, then announce what was not announced yet."""
    changed = sorted(set(years))
    announced = announce_in_transaction(app_state, session, changed)
    session.commit()
    if changed:
        counts_changed(app_state, changed, announced=announced)
