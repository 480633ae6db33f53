"""The one place that hears about changed counts, right after a commit.

A no-op for now: the live streams (/api/totals/stream) will hang off this hook.
"""

from collections.abc import Iterable
from typing import Any


def counts_changed(app_state: Any, years: Iterable[int]) -> None:
    """Called once per request, after a successful commit that changed counts of `years`."""
    hook = getattr(app_state, "on_counts_changed", None)
    if hook is not None:
        for year in sorted(set(years)):
            hook(year)
