"""Column types shared by every area's models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, Numeric

# Money: up to 12 digits before the point and 2 after; amounts are quantised to the currency's
# minor units before they are stored.
Money = Numeric(14, 2, asdecimal=True)


def str_enum(cls: type[enum.Enum]) -> Enum:
    """A StrEnum stored as VARCHAR with a CHECK constraint: the same on SQLite and PostgreSQL,
    and a new value is a plain migration."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, create_constraint=True, name=cls.__name__.lower())


# Indexes that only the migrations create, for one database (PostgreSQL's trigram index for
# the dashboard's search): comparing the models with the schema leaves them out.
DATABASE_ONLY_INDEXES = frozenset({"ix_filings_search_trgm"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object hook: everything but DATABASE_ONLY_INDEXES."""
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)
