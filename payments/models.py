"""The office's fee schedule: a tariff kept as data (versions, each with its fee rules)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, Enum, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

# The kinds of IP right a fee can concern; "*" is a fee common to every kind.
KINDS = ("trademark", "patent", "design", "utility_model")
ANY_KIND = "*"
# What a per_item_beyond rule counts: the names of FeeBasis' count fields.
ITEMS = ("classes", "claims", "pages", "designs", "priorities")
# Applicant categories a reduction may be granted to ("standard" gets none).
CATEGORIES = ("natural_person", "small_entity", "university")


class FeeRuleType(enum.StrEnum):
    PER_FILING = "per_filing"
    PER_ITEM_BEYOND = "per_item_beyond"
    IF_FLAG = "if_flag"
    REDUCTION_PERCENT = "reduction_percent"
    # No gettext labels: what applicants read are the rules' own names (FeeRule.names, data).


def _enum(cls: type[enum.Enum]) -> Enum:
    # As in portal.auth.models: VARCHAR plus a CHECK constraint, the same on SQLite and PostgreSQL.
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, create_constraint=True, name=cls.__name__.lower())


class FeeSchedule(db.Model):
    """One version of the tariff; the version in force on a date is the latest one begun."""

    __tablename__ = "fee_schedules"
    __table_args__ = (UniqueConstraint("name", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rules: Mapped[list[FeeRule]] = relationship(
        back_populates="schedule", order_by="FeeRule.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<FeeSchedule {self.id} {self.name!r} from {self.valid_from}>"


class FeeRule(db.Model):
    """One fee (or reduction) of a schedule; `amount` is the unit amount in the currency."""

    __tablename__ = "fee_rules"
    __table_args__ = (UniqueConstraint("schedule_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedules.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(40))
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(20))
    filing_type: Mapped[str] = mapped_column(String(40), default="application")
    rule: Mapped[FeeRuleType] = mapped_column(_enum(FeeRuleType))
    item: Mapped[str | None] = mapped_column(String(40))
    threshold: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    applies_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Inclusive bounds, for one fee introduced or withdrawn inside a schedule's life.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    schedule: Mapped[FeeSchedule] = relationship(back_populates="rules")

    def in_force(self, on: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= on)
                and (self.valid_to is None or on <= self.valid_to))

    def __repr__(self) -> str:
        return f"<FeeRule {self.code} {self.rule.value}>"
