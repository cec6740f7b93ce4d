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
