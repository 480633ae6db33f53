"""The shared vocabulary of inputs: each constrained type is declared here once."""

from typing import Annotated

from fastapi import Path, Query
from pydantic import StringConstraints

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# Ids are 32-bit on PostgreSQL: a larger one is a 422, not a database error.
MAX_ID = 2**31 - 1

# Lowercase ASCII words joined by '-': what AK and topic slugs look like.
Slug = Annotated[str, StringConstraints(max_length=40, pattern=SLUG_PATTERN)]

# Text without control characters (C0 and DEL): PostgreSQL refuses NUL in text, and a line
# break in a name or a code forges lines in logs and exports. Every text input uses one of
# these (tests/routes/test_text_inputs.py walks the OpenAPI schema to hold it).
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
VISIBLE = r"^[^\x00-\x1f\x7f]+$"

Label = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=VISIBLE)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=VISIBLE)]
# Login takes any address (an unknown one is a 401 like a wrong password); accounts need an @.
LoginEmail = Annotated[str, StringConstraints(max_length=254, pattern=NO_CONTROL)]
Email = Annotated[
    str, StringConstraints(max_length=254, pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$")
]
Password = Annotated[str, StringConstraints(max_length=1024, pattern=NO_CONTROL)]
NewPassword = Annotated[str, StringConstraints(min_length=10, max_length=1024, pattern=NO_CONTROL)]
# Districts: the API's and the CLI boundary import's rules (api/plan/district_import.py).
DISTRICT_NAME_MAX = 120
DISTRICT_CODE_PATTERN = r"^[0-9]{8}$"
DistrictName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=DISTRICT_NAME_MAX, pattern=VISIBLE
    ),
]
DistrictCode = Annotated[
    str, StringConstraints(min_length=8, max_length=8, pattern=DISTRICT_CODE_PATTERN)
]
Code = Annotated[str, StringConstraints(max_length=200, pattern=NO_CONTROL)]

# Parameters of routes.
Year = Annotated[int, Query(ge=2000, le=2100)]
YearPath = Annotated[int, Path(ge=2000, le=2100)]
AkSlug = Annotated[str, Query(max_length=40, pattern=SLUG_PATTERN, description="AK slug")]
OptionalAkSlug = Annotated[
    str | None, Query(max_length=40, pattern=SLUG_PATTERN, description="AK slug; all if left out")
]
AkPath = Annotated[str, Path(max_length=40, pattern=SLUG_PATTERN)]
# An optional district's id (a campaign's insights for one district).
OptionalDistrict = Annotated[int | None, Query(ge=1, le=MAX_ID)]
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
