"""The office console's overview: what came in today and this month, what waits for staff.

Days are the office's days (its time zone): each day's bounds are turned into UTC instants
here, so that the database compares plain timestamps on every backend. Each figure is one
grouped query, however many filings there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, case, func, or_, select

from payments.fees import minor_unit, office_today, office_zone
from payments.models import Payment, PaymentState
from portal.auth.models import Role, User
from portal.backoffice.models import OutboxMessage, OutboxState
from portal.extensions import db
from portal.filings.models import Filing, FilingStatus, IPKind
from portal.mail import ALLOWLIST_ENVIRONMENTS, mail_allowlist

CHART_DAYS = 30
# The statuses a filing can have once it was sent in: awaiting payment, accepted, and
# withdrawn after acceptance. Each is dated by the step that gave it.
STATUSES = (FilingStatus.SUBMITTED, FilingStatus.ACCEPTED, FilingStatus.WITHDRAWN)


@dataclass(frozen=True)
class Counts:
    """Filings of one period by (kind, status)."""

    cells: dict[tuple[str, str], int] = field(default_factory=dict)

    def n(self, kind: str, status: str) -> int:
        return self.cells.get((str(kind), str(status)), 0)

    def by_kind(self, kind: str) -> int:
        return sum(v for (k, _s), v in self.cells.items() if k == str(kind))

    def by_status(self, status: str) -> int:
        return sum(v for (_k, s), v in self.cells.items() if s == str(status))

    @property
    def total(self) -> int:
        return sum(self.cells.values())


@dataclass(frozen=True)
class Transfers:
    count: int
    totals: list[tuple[str, Decimal]]  # (currency, amount), one per currency


@dataclass(frozen=True)
class Overview:
    today: date
    month_start: date
    counts_today: Counts
    counts_month: Counts
    accepted_per_day: list[tuple[date, int]]
    transfers: Transfers
    retrying: int
    dead: int
    accounts: dict[Role, int]
    unconfirmed: int
    environment: str
    allowlist: tuple[str, ...] | None  # None: the environment sends mail to anyone
    mail_to_files: bool

    @property
    def kinds(self) -> list[IPKind]:
        return list(IPKind)

    @property
    def statuses(self) -> tuple[FilingStatus, ...]:
        return STATUSES

    @property
    def roles(self) -> list[Role]:
        return list(Role)


def start_of(day: date, zone: tzinfo) -> datetime:
    """The UTC instant at which `day` begins in `zone`."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def build_overview(today: date | None = None) -> Overview:
    today = today or office_today()
    zone = office_zone()
    counts_today, counts_month = filing_counts(today, zone)
    retrying, dead = delivery_problems()
    accounts, unconfirmed = account_counts()
    environment = current_app.config["PORTAL_ENV"]
    return Overview(
        today=today, month_start=today.replace(day=1), counts_today=counts_today,
        counts_month=counts_month, accepted_per_day=accepted_per_day(today, zone),
        transfers=pending_transfers(), retrying=retrying, dead=dead, accounts=accounts,
        unconfirmed=unconfirmed, environment=environment,
        allowlist=mail_allowlist() if environment in ALLOWLIST_ENVIRONMENTS else None,
        mail_to_files=not current_app.config["MAIL_SERVER"])


def filing_counts(today: date, zone: tzinfo) -> tuple[Counts, Counts]:
    """Today's and this month's filings by kind and status, in one query."""
    day_start = start_of(today, zone)
    month_start = start_of(today.replace(day=1), zone)
    end = start_of(today + timedelta(days=1), zone)
    # A submitted filing has no acceptance time yet; the others are dated by their acceptance.
    at = func.coalesce(Filing.accepted_at, Filing.submitted_at)
    rows = db.session.execute(
        select(Filing.kind, Filing.status, func.count(Filing.id),
               func.sum(case((at >= day_start, 1), else_=0)))
        .where(Filing.status.in_(STATUSES), at >= month_start, at < end)
        .group_by(Filing.kind, Filing.status)).all()
    month = {(str(k), str(s)): n for k, s, n, _t in rows}
    day = {(str(k), str(s)): int(t or 0) for k, s, _n, t in rows if t}
    return Counts(day), Counts(month)


def accepted_per_day(today: date, zone: tzinfo, days: int = CHART_DAYS) -> list[tuple[date, int]]:
    """Filings accepted on each of the last `days` office days, oldest first, in one query
    (each row is sorted into its day by comparing with the days' bounds)."""
    first = today - timedelta(days=days - 1)
    bounds = [start_of(first + timedelta(days=i), zone) for i in range(days + 1)]
    day = case(*[(Filing.accepted_at < bounds[i + 1], i) for i in range(days - 1)],
               else_=days - 1)
    rows = db.session.execute(
        select(day, func.count(Filing.id))
        .where(Filing.accepted_at >= bounds[0], Filing.accepted_at < bounds[-1])
        .group_by(day)).all()
    found = {int(i): n for i, n in rows}
    return [(first + timedelta(days=i), found.get(i, 0)) for i in range(days)]


def pending_transfers() -> Transfers:
    """Bank transfers awaiting the office's confirmation: how many, and their sum per currency."""
    rows = db.session.execute(
        select(Payment.currency, func.count(Payment.id), func.sum(Payment.amount))
        .where(Payment.provider == "bank_transfer", Payment.state == PaymentState.PENDING)
        .group_by(Payment.currency).order_by(Payment.currency)).all()
    totals = [(currency, Decimal(total or 0).quantize(minor_unit(currency)))
              for currency, _n, total in rows]
    return Transfers(count=sum(n for _c, n, _t in rows), totals=totals)


def delivery_problems() -> tuple[int, int]:
    """Deliveries being retried (due again after a failed try) and dead ones."""
    retrying = and_(OutboxMessage.state == OutboxState.DUE, OutboxMessage.attempts > 0)
    row = db.session.execute(
        select(func.sum(case((retrying, 1), else_=0)),
               func.sum(case((OutboxMessage.state == OutboxState.DEAD, 1), else_=0)))
        .where(or_(retrying, OutboxMessage.state == OutboxState.DEAD))).one()
    return int(row[0] or 0), int(row[1] or 0)


def account_counts() -> tuple[dict[Role, int], int]:
    """Accounts by role, and how many have not confirmed their email address yet."""
    rows = db.session.execute(
        select(User.role, func.count(User.id),
               func.sum(case((User.email_confirmed_at.is_(None), 1), else_=0)))
        .group_by(User.role)).all()
    return {role: n for role, n, _u in rows}, sum(int(u or 0) for _r, _n, u in rows)
