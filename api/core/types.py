"""The shared vocabulary of inputs: each constrained type is declared here once."""

from typing import Annotated

from fastapi import Path, Query
from pydantic import StringConstraints

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# Ids are 32-bit on PostgreSQL: a larger one is a 422, not a database error.
MAX_ID = 2**31 - 1

# Lowercase ASCII words joined by '-': what AK and topic slugs look like.
Slug = Annotated[str, StringConstraints(max_length=40, pattern=SLUG_PATTERN)]

# Visible text without control characters (PostgreSQL refuses NUL in text).
Label = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f]+$")]

# Parameters of routes.
Year = Annotated[int, Query(ge=2000, le=2100)]
YearPath = Annotated[int, Path(ge=2000, le=2100)]
AkSlug = Annotated[str, Query(max_length=40, pattern=SLUG_PATTERN, description="AK slug")]
AkPath = Annotated[str, Path(max_length=40, pattern=SLUG_PATTERN)]
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
