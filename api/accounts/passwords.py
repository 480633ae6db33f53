"""Password rules for staff and organisers: long enough, not a common password, not their own
e-mail or name. The common list is a local file (api/accounts/data/common_passwords.txt):
nothing is sent anywhere."""

import re
from functools import lru_cache
from pathlib import Path

from api.core.errors import Invalid

MIN_LENGTH = 10

_LIST = Path(__file__).with_name("data") / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _variants(password: str) -> set[str]:
    """The password and what it is with trailing digits and marks taken off (Sommar2026!)."""
    lowered = password.lower()
    return {lowered, re.sub(r"[\d!?.#*@_-]+$", "", lowered)}


def check_new_password(password: str, *, email: str | None, name: str | None) -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid("weak_password", f"Lösenordet behöver minst {MIN_LENGTH} tecken.")
    own = {v.lower() for v in (email, (email or "").split("@")[0], name) if v}
    if _variants(password) & (common_passwords() | own) or password.lower() in own:
        raise Invalid(
            "weak_password",
            "Det lösenordet är för vanligt eller för likt ditt namn eller din e-post. "
            "Välj ett annat.",
        )
