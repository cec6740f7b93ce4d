"""Gap-free numbers: orders, receipts, credit notes, portal numbers per kind and year.

The counter row is incremented with UPDATE ... RETURNING inside the caller's transaction: a
second transaction waits on the row lock (PostgreSQL) or the write lock (SQLite), so two
payments confirmed at the same instant get consecutive numbers, and a rolled-back transaction
gives its number back.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from payments.models import NumberSequence
from portal.extensions import db


def next_number(name: str) -> int:
    session = db.session
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(NumberSequence).values(name=name, last=0)
                    .on_conflict_do_nothing(index_elements=["name"]))
    return session.execute(
        update(NumberSequence).where(NumberSequence.name == name)
        .values(last=NumberSequence.last + 1).returning(NumberSequence.last)
    ).scalar_one()


def formatted(prefix: str, year: int, name: str | None = None) -> str:
    """`prefix-year-000042`, counting per prefix and year."""
    number = next_number(name or f"{prefix}:{year}")
    return f"{prefix}-{year}-{number:06d}"
