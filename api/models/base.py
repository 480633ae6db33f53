from sqlmodel import SQLModel
from sqlmodel.main import SQLModelConfig

# Request bodies refuse unknown fields: mass assignment and resident data never get in.
STRICT = SQLModelConfig(extra="forbid")


class Health(SQLModel):
    status: str
    database: str
