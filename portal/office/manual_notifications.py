"""Notifications sent by hand from the console, for offices whose back office cannot push them
yet. They go the back office's way (portal.tracking.services.record_office_event): the filer's
inbox, the dashboard's deadline and the mail alert follow, and one event id is kept once."""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from payments.fees import office_today
from portal.audit import AuditEntry, audit
from portal.auth.models import User
from portal.documents.checks import DocumentRejected
from portal.extensions import db
from portal.filings.documents import attach_upload, discard_document
from portal.filings.models import Filing, FilingStatus
from portal.i18n import office_locale
from portal.tracking.models import Notification
from portal.tracking.services import Recorded, record_office_event

EVENT_ID = re.compile(r"^office:[0-9a-f]{32}$")
SENT = "notification.sent"


def new_event_id() -> str:
    """The id of a notification about to be written: made when the form is shown, so that
    the same form sent twice records one notification."""
    return f"office:{uuid.uuid4().hex}"


def find_filings(number: str, limit: int = 20) -> list[Filing]:
    """Accepted filings whose portal number or office number is `number`."""
    number = number.strip()
    if not number:
        return []
    return list(db.session.scalars(
        select(Filing).where(Filing.status == FilingStatus.ACCEPTED,
                             Filing.accepted_seq.is_not(None),
                             or_(Filing.portal_number == number.upper(),
                                 Filing.office_number == number))
        .options(joinedload(Filing.owner)).order_by(Filing.id.desc()).limit(limit)))


def accepted_filing(filing_id: int) -> Filing | None:
    return db.session.scalar(select(Filing).where(Filing.id == filing_id,
                                                  Filing.status == FilingStatus.ACCEPTED,
                                                  Filing.accepted_seq.is_not(None)))


def send_notification(filing: Filing, *, event_id: str, subject: str, body: str,
                      response_due: date | None, upload: FileStorage | None,
                      staff: User, texts: dict[str, dict[str, str]] | None = None,
                      template: str | None = None) -> Recorded:
    """Record the notification (raises DocumentRejected for a file that is not a sound PDF).
    A repeat of `event_id` changes nothing and returns the notification already sent.

    `subject` and `body` are in the office's default language; `texts` holds the other
    languages' ({locale: {"subject", "body"}}), `template` the code of the template the form
    started from."""
    if not EVENT_ID.match(event_id):
        raise ValueError("not an event id of the console")
    if response_due is not None and response_due < office_today():
        raise ValueError("a response deadline in the past")
    known = db.session.scalar(select(Notification).where(Notification.event_id == event_id))
    if known is not None:
        return Recorded(None, known, False)
    document = _attach_pdf(filing, upload) if upload is not None and upload.filename else None
    # The office's own language among the others: it stays known if its default changes.
    every = {**(texts or {}), office_locale(): {"subject": subject, "body": body}}
    recorded = record_office_event(filing, event_id=event_id, type="notification",
                                   subject=subject, body=body, response_due=response_due,
                                   document=document, texts=every)
    if not recorded.created:  # the same form, sent at the same moment, won the race
        if document is not None:
            discard_document(document)
        return recorded
    audit(SENT, user=staff, obj=recorded.notification, filing=filing.portal_number,
          template=template, languages=sorted(recorded.notification.texts or {}),
          before=None, after={"subject": recorded.notification.subject,
                              "response_due": response_due.isoformat() if response_due else None,
                              "document": document.filename if document else None})
    return recorded


def _attach_pdf(filing: Filing, upload: FileStorage):
    # The office's letter is a PDF; attach_upload then checks the whole file by its content.
    head = upload.stream.read(5)
    upload.stream.seek(0)
    if head != b"%PDF-":
        raise DocumentRejected("wrong_type", _l(
            "The notification's file must be a PDF. Save or export the letter as PDF and "
            "choose it again."))
    return attach_upload(filing, "notification", "other", upload, replace=False)


def sent_by_hand(*, offset: int = 0, limit: int = 50) -> list[tuple[AuditEntry, Notification]]:
    """The notifications staff sent, newest first, each with its audit entry (who, when)."""
    entries = list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == SENT)
        .order_by(AuditEntry.id.desc()).offset(offset).limit(limit)))
    ids = [int(e.object_id) for e in entries if e.object_id and e.object_id.isdigit()]
    notifications = {n.id: n for n in db.session.scalars(
        select(Notification).where(Notification.id.in_(ids))
        .options(joinedload(Notification.filing), joinedload(Notification.document)))}
    return [(e, notifications[int(e.object_id)]) for e in entries
            if (e.object_id or "").isdigit() and int(e.object_id) in notifications]
