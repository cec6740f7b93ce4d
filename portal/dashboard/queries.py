"""The dashboard's list: every filing the user sees, searched, filtered, sorted and paged.

A page is a fixed number of SQL statements whatever the portfolio's size: the page's rows with
their office status and client (one SELECT with outer joins), the filtered count, and the
counters per status (one GROUP BY). The indexes behind it are in the migrations: the filer's
filings by last activity, and on PostgreSQL a trigram index for the substring search.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import defer

from forms.dashboard import PIPELINE
from payments.fees import office_zone
from portal.auth.models import Role, User
from portal.clients.models import Client
from portal.extensions import db
from portal.filings.models import Filing, FilingStatus
from portal.filings.services import visible_to
from portal.tracking.models import OfficeStatus

PER_PAGE = 50
ORDER = {
    "activity": (Filing.last_event_at.desc(), Filing.id.desc()),
    "deadline": (Filing.next_deadline.is_(None), Filing.next_deadline, Filing.id.desc()),
    "portal_number": (Filing.portal_number.is_(None), Filing.portal_number, Filing.id.desc()),
    "office_number": (Filing.office_number.is_(None), Filing.office_number, Filing.id.desc()),
    "title": (Filing.title.is_(None), Filing.title, Filing.id.desc()),
    "submitted": (Filing.submitted_at.is_(None), Filing.submitted_at.desc(), Filing.id.desc()),
}


def stage():
    """Where a filing stands in the portal's own pipeline (before the office's statuses)."""
    return case(
        (Filing.office_status.is_not(None), literal("office")),
        (and_(Filing.status == FilingStatus.ACCEPTED, Filing.delivered_at.is_not(None)),
         literal("delivered")),
        else_=Filing.status)


@dataclass(frozen=True)
class Row:
    filing: Filing
    status: OfficeStatus | None
    client: str | None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int


def filtered(user: User, f: dict):
    """The user's filings matching the filters (q, kind, type, status, client, dates)."""
    query = select(Filing).where(visible_to(user))
    if f.get("q"):
        query = query.where(Filing.search_text.contains(f["q"].strip().lower(), autoescape=True))
    if f.get("kind"):
        query = query.where(Filing.kind == f["kind"])
    if f.get("type"):
        query = query.where(Filing.filing_type == f["type"])
    status = f.get("status") or ""
    if status.startswith("office:"):
        query = query.where(Filing.office_status == status.removeprefix("office:"))
    elif status in dict(PIPELINE):
        query = query.where(stage() == status)
    if f.get("client"):
        query = query.where(Filing.client_id == int(f["client"]))
    if f.get("date_from"):
        query = query.where(Filing.submitted_at >= _day_start(f["date_from"]))
    if f.get("date_to"):
        query = query.where(Filing.submitted_at < _day_start(f["date_to"] + timedelta(days=1)))
    return query


def _day_start(day: date) -> datetime:
    """Midnight of `day` in the office's time zone: the dates users pick are the office's."""
    return datetime.combine(day, time.min, tzinfo=office_zone())


def page_of(user: User, f: dict, page: int = 1, per_page: int = PER_PAGE) -> Page:
    base = filtered(user, f)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    order = ORDER.get(f.get("sort") or "activity", ORDER["activity"])
    # The page's ids first (a narrow sort), then those rows with what they show.
    ids = list(db.session.scalars(base.with_only_columns(Filing.id).order_by(*order)
                                  .offset((page - 1) * per_page).limit(per_page)))
    rows = [Row(filing, status, client) for filing, status, client in db.session.execute(
        _shown(select(Filing).where(Filing.id.in_(ids))).order_by(*order))] if ids else []
    return Page(rows, total, page, pages)


def _shown(query):
    """The columns a list shows, with the office status and the client; not the form."""
    return (query.add_columns(OfficeStatus, Client.name)
            .outerjoin(OfficeStatus, OfficeStatus.code == Filing.office_status)
            .outerjoin(Client, Client.id == Filing.client_id)
            .options(defer(Filing.form_data), defer(Filing.search_text)))


def counters(user: User) -> dict[str, int]:
    """How many of the user's filings stand at each pipeline stage and office status."""
    key = case((Filing.office_status.is_not(None), literal("office:") + Filing.office_status),
               else_=stage())
    rows = db.session.execute(select(key, func.count(Filing.id))
                              .where(visible_to(user)).group_by(key))
    return {str(k): n for k, n in rows}


def export_rows(user: User, f: dict) -> Iterator[Row]:
    """Every filtered row, read in batches, for the CSV export."""
    query = (_shown(filtered(user, f))
             .order_by(*ORDER.get(f.get("sort") or "activity", ORDER["activity"]))
             .execution_options(yield_per=500))
    for filing, status, client in db.session.execute(query):
        yield Row(filing, status, client)


def client_choices(user: User) -> list[tuple[str, str]]:
    if user.role is not Role.AGENT or user.firm_id is None:  # the book is the firm's agents'
        return []
    rows = db.session.execute(select(Client.id, Client.name).where(Client.firm_id == user.firm_id)
                              .order_by(Client.name))
    return [(str(i), name) for i, name in rows]
