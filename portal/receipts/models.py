"""Receipts, acknowledgements and credit notes: rendered once, stored with their hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class Receipt(db.Model):
    __tablename__ = "receipts"
    __table_args__ = (
        UniqueConstraint("order_id", "kind", "filing_id", "refund_id"),
        # NULLs are distinct in the constraint above: one batch receipt per order, enforced.
        Index("uq_receipts_order_receipt", "order_id", unique=True,
              postgresql_where=text("kind = 'receipt'"), sqlite_where=text("kind = 'receipt'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # receipt, acknowledgement, credit_note
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), unique=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    locale: Mapped[str] = mapped_column(String(10))
    storage_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    signed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order = relationship("Order")
