"""What the office says about a filing after it was filed: statuses, notifications, deadlines.

`record_office_event` is the one way in, for the back office's events API (and for staff
sending a notification by hand): a status change or a notification, each kept once per event
id however often it is reported. Every write here flushes; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask import g
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from payments.fees import office_today
from portal.auth.models import User
from portal.documents.models import Document
from portal.extensions import db
from portal.filings.models import Filing, FilingEvent, record_event
from portal.filings.services import visible_to
from portal.i18n import clean_texts, notification_text, office_locale
from portal.timeutil import utcnow
from portal.tracking.models import Notification, OfficeStatus

# The annual fees of these kinds fall due on each anniversary of the filing date.
ANNUAL_FEE_KINDS = ("patent", "utility_model")
def horizon_months() -> int:
    """How far ahead the dashboard's "Coming up" panel looks (DEADLINE_HORIZON_MONTHS)."""
    from flask import current_app

    return int(current_app.config.get("DEADLINE_HORIZON_MONTHS", 6))


class EventError(ValueError):
    """An event that cannot be recorded as reported (unknown type, missing subject)."""


@dataclass(frozen=True)
class Recorded:
    """What recording an office event did: `created` is False for a repeat of a known id."""

    event: FilingEvent | None
    notification: Notification | None
    created: bool


# --- statuses -----------------------------------------------------------------------------

def statuses() -> dict[str, OfficeStatus]:
    """The office's statuses by code, read once per request."""
    if "office_statuses" not in g:
        g.office_statuses = {s.code: s for s in db.session.scalars(select(OfficeStatus))}
    return g.office_statuses


def ensure_status(code: str, category: str | None) -> OfficeStatus:
    """The status of `code`; one the office reports before configuring it is added, named by
    its code, so that nothing it says is lost."""
    status = db.session.scalar(select(OfficeStatus).where(OfficeStatus.code == code))
    if status is None:
        letter = category if category and len(category) == 1 else None
        status = OfficeStatus(code=code, names={}, st27=letter,
                              stage=None if letter else category, position=1000)
        db.session.add(status)
        db.session.flush()
        g.pop("office_statuses", None)
    return status


# --- recording the office's events ---------------------------------------------------------

def record_office_event(filing: Filing, *, event_id: str, type: str,  # noqa: A002
                        status: str | None = None, category: str | None = None,
                        office_number: str | None = None,
                        registration_number: str | None = None,
                        expires_on: date | None = None, occurred_at: datetime | None = None,
                        subject: str | None = None, body: str | None = None,
                        response_due: date | None = None,
                        document: Document | None = None,
                        texts: dict[str, dict[str, str]] | None = None) -> Recorded:
    """Record one event the office reported about `filing`; the same `event_id` twice is
    recorded once (also when two reports of it race).

    A notification's `subject` and `body` are in the office's default language; `texts`
    optionally gives them in other languages too ({locale: {"subject": ..., "body": ...}}),
    each reader then sees their own language (`Notification.text_for`)."""
    known = _known(event_id)
    if known is not None:
        return known
    try:
        with db.session.begin_nested():
            if type == "status":
                recorded = _status_event(filing, event_id, status, category, office_number,
                                         registration_number, expires_on, occurred_at)
            elif type == "notification":
                recorded = _notification(filing, event_id, subject, body, response_due,
                                         document, occurred_at, texts)
            else:
                raise EventError(f"unknown event type {type!r}")
            db.session.flush()
    except IntegrityError:
        known = _known(event_id)
        if known is None:
            raise
        return known
    refresh_deadline(filing)
    return recorded


def _known(event_id: str) -> Recorded | None:
    notification = db.session.scalar(select(Notification).where(
        Notification.event_id == event_id))
    if notification is not None:
        return Recorded(None, notification, False)
    event = db.session.scalar(select(FilingEvent).where(FilingEvent.external_id == event_id))
    return Recorded(event, None, False) if event is not None else None


def _status_event(filing, event_id, code, category, office_number, registration_number,
                  expires_on, occurred_at) -> Recorded:
    if not code:
        raise EventError("a status event needs its status")
    at = occurred_at or utcnow()
    ensure_status(code, category)
    if filing.office_status_at is None or at >= filing.office_status_at:
        filing.office_status, filing.office_status_at = code, at
    filing.delivered_at = filing.delivered_at or at
    if office_number and office_number != filing.office_number:
        filing.office_number = office_number
    if registration_number:
        filing.registration_number = registration_number
    if expires_on:
        filing.expires_on = expires_on
    filing.refresh_search_text()
    event = record_event(filing, "status", None, at=at, external_id=event_id, status=code,
                         category=category, office_number=office_number,
                         registration_number=registration_number)
    return Recorded(event, None, True)


def _notification(filing, event_id, subject, body, response_due, document,
                  occurred_at, texts=None) -> Recorded:
    # A language's text without a subject is no text (the reader gets the office's instead).
    texts = {code: {**entry, "subject": entry["subject"][:300]}
             for code, entry in (clean_texts(texts) or {}).items() if entry.get("subject")}
    texts = texts or None
    own = (texts or {}).get(office_locale())
    if not (subject or "").strip() and own:  # given only among the texts per language
        subject, body = own["subject"], body or own.get("body", "")
    if not (subject or "").strip():
        raise EventError("a notification needs a subject")
    at = occurred_at or utcnow()
    notification = Notification(filing=filing, event_id=event_id, subject=subject.strip()[:300],
                                body=body or "", response_due=response_due, texts=texts,
                                document_id=document.id if document else None, created_at=at)
    db.session.add(notification)
    db.session.flush()
    event = record_event(filing, "notification", None, at=at, external_id=event_id,
                         notification_id=notification.id, subject=notification.subject,
                         document_id=notification.document_id,
                         response_due=response_due.isoformat() if response_due else None)
    _alert(filing, notification)
    return Recorded(event, notification, True)


def _alert(filing: Filing, notification: Notification) -> None:
    """Mail the filer, in the filer's language, after the commit."""
    from portal.mail import queue_mail

    user = filing.owner
    locale = user.locale or office_locale()
    with force_locale(locale):
        subject = str(_l("New notification from the office: %(subject)s",
                         subject=notification.text_for(locale, office_locale())[0]))
    queue_mail(db.session, user.email, subject, "notification", locale, user=user,
               filing=filing, notification=notification)


def filing_accepted(filing: Filing) -> None:
    """A filing was paid for (in the accepting transaction): what it lacks in the office's
    local language is asked for (portal.tracking.translation); a response request answers the
    notification it responds to."""
    from portal.tracking.translation import ask_for_translation

    ask_for_translation(filing)
    if filing.filing_type != "response":
        return
    from portal.filings.services import stored_form

    raw = stored_form(filing).notification_id.data
    if not raw or not str(raw).isdigit():
        return
    notification = db.session.scalar(
        select(Notification).join(Filing, Filing.id == Notification.filing_id)
        .where(Notification.id == int(raw), visible_to(filing.owner)))
    if notification is None or notification.responded_at is not None:
        return
    notification.responded_at, notification.response_filing_id = utcnow(), filing.id
    record_event(notification.filing, "response_filed", filing.owner,
                 notification_id=notification.id, response_id=filing.id,
                 portal_number=filing.portal_number)
    refresh_deadline(notification.filing)


# --- the inbox -----------------------------------------------------------------------------

def visible_notifications(user: User):
    return (select(Notification).join(Filing, Filing.id == Notification.filing_id)
            .where(visible_to(user)))


def get_notification(user: User, notification_id: int) -> Notification | None:
    return db.session.scalar(visible_notifications(user)
                             .where(Notification.id == notification_id))


def unread_count(user: User) -> int:
    query = (select(func.count(Notification.id))
             .join(Filing, Filing.id == Notification.filing_id)
             .where(visible_to(user), Notification.read_at.is_(None),
                    Notification.archived_at.is_(None)))
    return db.session.scalar(query) or 0


def mark_read(notification: Notification, user: User) -> None:
    if notification.read_at is None:
        notification.read_at, notification.read_by_id = utcnow(), user.id


# --- deadlines -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    due: date
    kind: str  # "response", "renewal", "annuity"
    filing: Filing
    notification: Notification | None = None
    year: int | None = None

    @property
    def label(self) -> str:
        if self.kind == "response":
            return str(_l("Response due: %(subject)s",
                          subject=notification_text(self.notification)[0]))
        if self.kind == "renewal":
            return str(_l("Renewal due"))
        return str(_l("Annual fee due for year %(year)d", year=self.year))


def next_annuity(filing: Filing, today: date) -> tuple[date, int] | None:
    """The next anniversary of the filing date on which an annual fee falls due."""
    if filing.kind.value not in ANNUAL_FEE_KINDS or filing.accepted_at is None:
        return None
    filed = filing.accepted_at.date()
    years = relativedelta(today, filed).years + 1
    due = filed + relativedelta(years=years)
    return due, years + 1


def refresh_deadline(filing: Filing) -> None:
    """The filing's next deadline, kept for the dashboard's column and sort."""
    today = office_today()
    dues = [n.response_due for n in db.session.scalars(
        select(Notification).where(Notification.filing_id == filing.id,
                                   Notification.responded_at.is_(None),
                                   Notification.response_due.is_not(None)))]
    if filing.expires_on:
        dues.append(filing.expires_on)
    annuity = next_annuity(filing, today) if filing.registration_number else None
    if annuity:
        dues.append(annuity[0])
    future = [d for d in dues if d >= today - timedelta(days=180)]
    filing.next_deadline = min(future) if future else None


def upcoming(user: User, months: int | None = None, today: date | None = None,
             limit: int = 500) -> list[Deadline]:
    """Responses due, renewals and annual fees falling due within `months` (default: the
    office's horizon), soonest first."""
    today = today or office_today()
    months = months or horizon_months()
    until = today + relativedelta(months=months)
    out: list[Deadline] = []
    responses = db.session.execute(
        select(Notification, Filing).join(Filing, Filing.id == Notification.filing_id)
        .where(visible_to(user), Notification.responded_at.is_(None),
               Notification.archived_at.is_(None), Notification.response_due.is_not(None),
               Notification.response_due <= until)
        .order_by(Notification.response_due).limit(limit))
    out += [Deadline(n.response_due, "response", f, n) for n, f in responses]
    # Renewals and annual fees: the filings whose next deadline (kept on the row) falls in
    # the window, then which deadline it is.
    due_soon = db.session.scalars(
        select(Filing).options(defer(Filing.form_data), defer(Filing.search_text))
        .where(visible_to(user), Filing.next_deadline.is_not(None),
               Filing.next_deadline >= today - relativedelta(months=6),
               Filing.next_deadline <= until)
        .order_by(Filing.next_deadline).limit(limit))
    for filing in due_soon:
        if filing.expires_on and filing.expires_on <= until:
            out.append(Deadline(filing.expires_on, "renewal", filing))
        annuity = next_annuity(filing, today) if filing.registration_number else None
        if annuity and annuity[0] <= until:
            out.append(Deadline(annuity[0], "annuity", filing, year=annuity[1]))
    return sorted(out, key=lambda d: (d.due, d.filing.id))[:limit]
