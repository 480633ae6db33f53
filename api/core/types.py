from typing import Annotated

from pydantic import StringConstraints

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# Lowercase ASCII words joined by '-': what AK and topic slugs look like.
Slug = Annotated[str, StringConstraints(max_length=40, pattern=SLUG_PATTERN)]

# Visible text without control characters (PostgreSQL refuses NUL in text).
Label = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f]+$")]


MAX_ID = 2**31 - 1  # a database integer: larger ids would fail in the database, not here


# --- Access decisions: every route uses these rather than checks of its own ------------


# Ids are 32-bit on PostgreSQL: a larger one is a 422, not a database error.
MAX_ID = 2**31 - 1
