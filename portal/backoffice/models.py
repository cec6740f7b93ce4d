"""The outbox: deliveries owed to the back office, written with the change that owes them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.dbtypes import str_enum
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class OutboxState(enum.StrEnum):
    DUE = "due"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    DEAD = "dead"
    CANCELLED = "cancelled"  # the filing was withdrawn and refunded before delivery


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (UniqueConstraint("filing_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id"), index=True)
    topic: Mapped[str] = mapped_column(String(40))  # "filing.accepted"
    state: Mapped[OutboxState] = mapped_column(str_enum(OutboxState), default=OutboxState.DUE,
                                               index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    filing = relationship("Filing")
