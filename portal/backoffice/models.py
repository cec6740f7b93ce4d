"""The outbox: deliveries owed to the back office, written with the change that owes them, and
the log of every attempt to make them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.dbtypes import str_enum
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class OutboxState(enum.StrEnum):
    DUE = "due"              # to be sent (again) at next_attempt_at
    DELIVERED = "delivered"  # the back office said it has it
    REJECTED = "rejected"    # the back office refused it (4xx): kept for staff, not retried
    DEAD = "dead"            # every try failed: kept for staff, not retried
    CANCELLED = "cancelled"  # the filing was withdrawn and refunded before delivery


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (UniqueConstraint("filing_id", "topic"),
                      Index("ix_outbox_messages_due", "state", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id"), index=True)
    topic: Mapped[str] = mapped_column(String(40))  # "filing.accepted"
    state: Mapped[OutboxState] = mapped_column(str_enum(OutboxState), default=OutboxState.DUE,
                                               index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # When due: not before this time. While a worker holds the row, the end of its lease.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The claim of the worker sending it now; its outcome is written only under this claim.
    claim: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The interchange JSON as first sent; every later try sends the same body.
    payload: Mapped[dict | None] = mapped_column(JSON, deferred=True)

    filing = relationship("Filing")
    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="message", order_by="DeliveryAttempt.id",
        cascade="all, delete-orphan")


class DeliveryAttempt(db.Model):
    """One try to send an outbox message: written when it starts (so a try cut short by a
    crash is still seen), completed with its outcome."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id",
                                                       ondelete="CASCADE"), index=True)
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # delivered, rejected, retry, dead; None while in flight (or if the worker died)
    outcome: Mapped[str | None] = mapped_column(String(20))
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(1000))
    duration_ms: Mapped[int | None]
    worker: Mapped[str | None] = mapped_column(String(100))
    claim: Mapped[str | None] = mapped_column(String(32))  # the claim it was made under

    message: Mapped[OutboxMessage] = relationship(back_populates="attempt_log")
