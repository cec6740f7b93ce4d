"""Office staff send a notification about an accepted filing by hand: the filer finds it in
the inbox with its PDF, its deadline on the dashboard, and a mail; one form sent twice is one
notification."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from payments.fees import office_today
from portal.audit import AuditEntry
from portal.documents.models import Document
from portal.extensions import db
from portal.filings.models import Filing, FilingStatus
from portal.tracking.models import Notification
from tests.backoffice.test_connector import accepted
from tests.conftest import Browser, csrf_token, stored_mails
from tests.filings.conftest import pdf_bytes, png_bytes


@pytest.fixture
def filing(app, users) -> Filing:
    [filing] = accepted(users["agent"], 1)
    filing.office_number = "TM/2026/004711"
    filing.refresh_search_text()
    db.session.commit()
    return filing


@pytest.fixture
def staff(app, users):
    web = Browser(app.test_client())
    web.login("staff@example.org")
    return web


@pytest.fixture
def filer(app, users):
    web = Browser(app.test_client())
    web.login("agent@example.org")
    return web


def open_form(staff, filing) -> tuple[str, str]:
    """The form's page and its event id."""
    page = staff.get(f"/office/notifications/new?filing={filing.id}").get_data(as_text=True)
    return page, re.search(r'name="event_id"[^>]*value="(office:[0-9a-f]+)"', page).group(1)


def send(staff, filing, event_id, page, **fields):
    data = {"event_id": event_id, "subject": "Notification of formal deficiencies",
            "body": "Please file a translation of the list of goods.", **fields}
    return staff.client.post(f"/office/notifications/new?filing={filing.id}",
                             data={"csrf_token": csrf_token(page), **data},
                             content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_staff_find_the_filing_by_either_number(staff, filing):
    for number in (filing.portal_number, filing.portal_number.lower(), "TM/2026/004711"):
        r = staff.get("/office/notifications", query_string={"number": number})
        assert r.status_code == 302, number
        assert r.headers["Location"].endswith(f"/office/notifications/new?filing={filing.id}")
    page = staff.get("/office/notifications?number=EF-TM-1999-000001").get_data(as_text=True)
    assert "No accepted filing has the number EF-TM-1999-000001" in page


def test_only_accepted_filings_receive_notifications(staff, filing):
    filing.status = FilingStatus.WITHDRAWN
    db.session.commit()
    page = staff.get(f"/office/notifications?number={filing.portal_number}").get_data(
        as_text=True)
    assert "No accepted filing" in page
    assert staff.get(f"/office/notifications/new?filing={filing.id}").status_code == 404


def test_a_notification_by_hand_reaches_inbox_dashboard_and_mail_once(app, staff, filer,
                                                                     filing, users):
    due = office_today() + timedelta(days=60)
    page, event_id = open_form(staff, filing)
    assert filing.portal_number in page and "agent@example.org" in page
    pdf = pdf_bytes(1)
    r = send(staff, filing, event_id, page, response_due=due.isoformat(),
             document=(io.BytesIO(pdf), "objection.pdf"))
    assert r.status_code == 302 and r.headers["Location"].endswith("/office/notifications")
    [n] = db.session.scalars(select(Notification)).all()
    assert (n.event_id, n.subject, n.response_due) == (
        event_id, "Notification of formal deficiencies", due)
    assert n.document.filename == "objection.pdf" and n.document.filing_id == filing.id

    # the filer's inbox, the PDF, the dashboard's deadline
    inbox = filer.get("/notifications/").get_data(as_text=True)
    assert "Notification of formal deficiencies" in inbox
    letter = filer.get(f"/notifications/{n.id}").get_data(as_text=True)
    assert "Please file a translation" in letter and f"/filings/documents/{n.document.id}" in letter
    download = filer.get(f"/filings/documents/{n.document.id}")
    assert download.status_code == 200 and download.get_data() == pdf
    download.close()
    dashboard = filer.get("/dashboard").get_data(as_text=True)
    assert "Coming up" in dashboard and f"/notifications/{n.id}" in dashboard
    assert db.session.get(Filing, filing.id).next_deadline == due
    # the mail alert
    mails = [m for m in stored_mails(app) if "Notification of formal" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == "agent@example.org"
    # the audit: the staff member, what was sent
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "notification.sent")).all()
    assert entry.user_id == users["staff"].id and entry.object_id == str(n.id)
    assert entry.details["before"] is None and entry.details["after"] == {
        "subject": "Notification of formal deficiencies", "response_due": due.isoformat(),
        "document": "objection.pdf"}
    # the list of those sent by hand
    listing = staff.get("/office/notifications").get_data(as_text=True)
    assert "Notification of formal deficiencies" in listing and "staff@example.org" in listing
    assert filing.portal_number in listing

    # the same form sent again (a double click): nothing more
    documents = count(Document)
    r = send(staff, filing, event_id, page, response_due=due.isoformat(),
             document=(io.BytesIO(pdf), "objection.pdf"))
    assert r.status_code == 302
    assert count(Notification) == 1 and count(Document) == documents
    assert len([m for m in stored_mails(app) if "Notification of formal" in m["Subject"]]) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "notification.sent")) == 1
    # a new form is a new notification
    page, second_id = open_form(staff, filing)
    assert second_id != event_id
    assert send(staff, filing, second_id, page, subject="Second letter").status_code == 302
    assert count(Notification) == 2


def test_bad_input_is_refused_and_kept(staff, filing):
    page, event_id = open_form(staff, filing)
    documents = count(Document)  # the filing's own
    yesterday = office_today() - timedelta(days=1)
    r = send(staff, filing, event_id, page, subject="Objection 12",
             response_due=yesterday.isoformat())
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "cannot be in the past" in html
    assert 'value="Objection 12"' in html and "Please file a translation" in html
    assert event_id in html  # the same form, still one notification when sent again
    r = send(staff, filing, event_id, page, subject="",
             document=(io.BytesIO(png_bytes()), "letter.pdf"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "This field is required." in html
    r = send(staff, filing, event_id, page, document=(io.BytesIO(png_bytes()), "letter.pdf"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "must be a PDF" in html
    r = send(staff, filing, event_id, page, document=(io.BytesIO(b"%PDF-1.7 broken"), "x.pdf"))
    assert r.status_code == 400 and "There is a problem" in r.get_data(as_text=True)
    assert count(Notification) == 0 and count(Document) == documents
    r = send(staff, filing, "N-1", page)  # only the console's own event ids
    assert r.status_code == 400 and count(Notification) == 0


def test_filers_get_404_and_staff_may_send(app, users, filing):
    for email in ("agent@example.org", "applicant@example.org"):
        other = Browser(app.test_client())
        other.login(email)
        for url in ("/office/notifications", f"/office/notifications/new?filing={filing.id}",
                    f"/office/notifications?number={filing.portal_number}"):
            assert other.get(url).status_code == 404, url
        token = csrf_token(other.get("/account").get_data(as_text=True))
        r = other.client.post(f"/office/notifications/new?filing={filing.id}", data={
            "csrf_token": token, "event_id": "office:" + "0" * 32, "subject": "x", "body": "y"})
        assert r.status_code == 404
    assert count(Notification) == 0
    admin = Browser(app.test_client())
    admin.login("admin@example.org")
    assert admin.get("/office/notifications").status_code == 200
