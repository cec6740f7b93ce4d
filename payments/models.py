"""The office's fee schedule: a tariff kept as data (versions, each with its fee rules)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.dbtypes import Money, str_enum
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

# The kinds of IP right a fee can concern; "*" is a fee common to every kind.
KINDS = ("trademark", "patent", "design", "utility_model")
ANY_KIND = "*"
# What a per_item_beyond rule counts: the names of FeeBasis' count fields.
ITEMS = ("classes", "claims", "pages", "designs", "priorities", "copies", "late_months",
         "first_right", "further_rights")
# Applicant categories a reduction may be granted to ("standard" gets none).
CATEGORIES = ("natural_person", "small_entity", "university")


class FeeRuleType(enum.StrEnum):
    PER_FILING = "per_filing"
    PER_ITEM_BEYOND = "per_item_beyond"
    IF_FLAG = "if_flag"
    REDUCTION_PERCENT = "reduction_percent"
    # No gettext labels: what applicants read are the rules' own names (FeeRule.names, data).


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
    rule: Mapped[FeeRuleType] = mapped_column(str_enum(FeeRuleType))
    item: Mapped[str | None] = mapped_column(String(40))
    threshold: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    applies_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Inclusive bounds, for one fee introduced or withdrawn inside a schedule's life.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # Inclusive range of years of protection (annual fees): the fee applies to those years only.
    year_from: Mapped[int | None] = mapped_column()
    year_to: Mapped[int | None] = mapped_column()

    schedule: Mapped[FeeSchedule] = relationship(back_populates="rules")

    def in_force(self, on: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= on)
                and (self.valid_to is None or on <= self.valid_to))

    def covers_year(self, year: int) -> bool:
        """A fee for some years of protection applies to those years only; others to any."""
        if self.year_from is None and self.year_to is None:
            return True
        return (self.year_from or 1) <= year <= (self.year_to or 10_000)

    def __repr__(self) -> str:
        return f"<FeeRule {self.code} {self.rule.value}>"


# --- carts, orders and payments -----------------------------------------------------------------

class OrderState(enum.StrEnum):
    PENDING = "pending"  # awaiting payment
    PAID = "paid"
    CANCELLED = "cancelled"


ORDER_STATE_LABELS = {
    OrderState.PENDING: _l("Awaiting payment"),
    OrderState.PAID: lazy_pgettext("state of an order", "Paid"),
    OrderState.CANCELLED: _l("Cancelled"),
}
MOVEMENT_LABELS = {
    "top_up": _l("Top-up"),
    "debit": _l("Payment of an order"),
    "refund": _l("Refund"),
    "adjustment": _l("Adjustment by the office"),
}


class PaymentState(enum.StrEnum):
    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class CartItem(db.Model):
    """A draft waiting in its filer's cart; the cart is the user's list of these rows."""

    __tablename__ = "cart_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"),
                                           unique=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    filing = relationship("Filing")


class Order(db.Model):
    """One checkout: the filings paid together, their fees frozen, one payment."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    # The token of the checkout form: the same checkout posted twice finds this order again.
    checkout_key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    state: Mapped[OrderState] = mapped_column(str_enum(OrderState), default=OrderState.PENDING)
    method: Mapped[str] = mapped_column(String(30))
    # "filings" (a checkout) or "top_up" (money into the payer's deposit account)
    purpose: Mapped[str] = mapped_column(String(20), default="filings")
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    items: Mapped[list[OrderItem]] = relationship(back_populates="order",
                                                  order_by="OrderItem.position",
                                                  cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(back_populates="order",
                                                   order_by="Payment.id")

    @property
    def payment(self) -> Payment | None:
        return self.payments[-1] if self.payments else None


class OrderItem(db.Model):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id"), index=True)
    position: Mapped[int] = mapped_column()
    total: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="items")
    filing = relationship("Filing")
    fees: Mapped[list[OrderFee]] = relationship(back_populates="item", order_by="OrderFee.id",
                                                cascade="all, delete-orphan")


class OrderFee(db.Model):
    """A fee line frozen at checkout: later tariff changes never touch it."""

    __tablename__ = "order_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column()
    unit_amount: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)

    item: Mapped[OrderItem] = relationship(back_populates="fees")


class Payment(db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    provider: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[PaymentState] = mapped_column(str_enum(PaymentState),
                                                default=PaymentState.CREATED)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    provider_reference: Mapped[str | None] = mapped_column(String(100), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")
    events: Mapped[list[PaymentEvent]] = relationship(back_populates="payment",
                                                      order_by="PaymentEvent.id")


class PaymentEvent(db.Model):
    """Everything that happened to a payment, provider callbacks included, in order."""

    __tablename__ = "payment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    # A provider's event id (a Stripe event): the same event processed twice is recorded once.
    provider_event_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    payment: Mapped[Payment] = relationship(back_populates="events")


class DepositAccount(db.Model):
    """A prepaid balance with the office: one per agents' firm, or per applicant."""

    __tablename__ = "deposit_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    movements: Mapped[list[DepositMovement]] = relationship(back_populates="account",
                                                            order_by="DepositMovement.id")


class DepositMovement(db.Model):
    __tablename__ = "deposit_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("deposit_accounts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # top_up, debit, refund, adjustment
    amount: Mapped[Decimal] = mapped_column(Money)  # signed
    balance_after: Mapped[Decimal] = mapped_column(Money)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    note: Mapped[str | None] = mapped_column(String(300))

    account: Mapped[DepositAccount] = relationship(back_populates="movements")


class NumberSequence(db.Model):
    """Gap-free counters (orders, receipts, portal numbers per type and year)."""

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Refund(db.Model):
    """Money given back through the payment's provider: a row of its own, never an edit."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    order_item_id: Mapped[int | None] = mapped_column(ForeignKey("order_items.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(500))
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[Payment] = relationship()
    item: Mapped[OrderItem | None] = relationship()
