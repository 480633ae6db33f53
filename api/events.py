"""The one place that hears about changed counts, right after a commit."""

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger("knacka.events")


def counts_changed(app_state: Any, years: Iterable[int]) -> None:
    """Called once per request, after a successful commit that changed counts of `years`."""
    hook = getattr(app_state, "on_counts_changed", None)
    if hook is None:
        return
    for year in sorted(set(years)):
        try:
            hook(year)
        except (OperationalError, InterfaceError) as exc:
            # The write is committed: answering 503 would only make the phone resend it. A lost
            # announcement costs the streams freshness until their next event or reconnect.
            log.warning("could not announce changed counts of %s: %s", year, exc)
