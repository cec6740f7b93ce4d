"""The office's events: statuses and notifications recorded once, the inbox, the mail alert,
responding, and the file history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from payments.fees import office_today
from portal.extensions import db
from portal.filings.models import Filing, FilingEvent
from portal.filings.services import stored_form
from portal.tracking.models import Notification, OfficeStatus
from portal.tracking.services import EventError, record_office_event, unread_count
from tests.conftest import stored_mails
from tests.tracking.conftest import accepted


def notify(filing, event_id="N-1", due_days=30, subject="Notification of formal deficiencies"):
    recorded = record_office_event(filing, event_id=event_id, type="notification",
                                   subject=subject, body="Please file the translation.",
                                   response_due=office_today() + timedelta(days=due_days))
    db.session.commit()
    return recorded


def test_a_status_reported_twice_is_recorded_once(agent, tariff, statuses):
    filing = accepted(agent)
    first = record_office_event(filing, event_id="S-1", type="status", status="published",
                                category="publication", office_number="TM/2026/000999")
    again = record_office_event(filing, event_id="S-1", type="status", status="published")
    db.session.commit()
    assert first.created and not again.created and again.event.id == first.event.id
    assert [e.kind for e in filing.events].count("status") == 1
    assert (filing.office_status, filing.office_number) == ("published", "TM/2026/000999")
    assert filing.delivered_at is not None and filing.last_event_kind == "status"
    assert "tm/2026/000999" in filing.search_text


def test_an_unknown_status_is_kept_under_its_code(agent, tariff, statuses):
    filing = accepted(agent)
    record_office_event(filing, event_id="S-2", type="status", status="appeal_lodged",
                        category="V")
    db.session.commit()
    status = db.session.scalar(db.select(OfficeStatus).where(OfficeStatus.code == "appeal_lodged"))
    assert status.st27 == "V" and status.name("fr") == "appeal_lodged"


def test_a_notification_reported_twice_appears_once_and_alerts_once(app, agent, tariff,
                                                                    statuses, users):
    users["agent"].locale = "fr"
    db.session.commit()
    filing = accepted(agent)
    first, again = notify(filing), notify(filing)
    assert first.created and not again.created
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1
    assert db.session.scalar(db.select(db.func.count(FilingEvent.id)).where(
        FilingEvent.kind == "notification")) == 1
    mails = [m for m in stored_mails(app) if "Notification of formal" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == "agent@example.org"
    assert "Nouvelle notification" in mails[0]["Subject"]  # in the user's language
    assert filing.next_deadline == office_today() + timedelta(days=30)


def test_a_bad_event_is_refused(agent, tariff, statuses):
    filing = accepted(agent)
    with pytest.raises(EventError):
        record_office_event(filing, event_id="X-1", type="gossip")
    with pytest.raises(EventError):
        record_office_event(filing, event_id="X-2", type="notification", subject=" ")
    assert not filing.events or all(e.external_id is None for e in filing.events)


def test_the_inbox_unread_first_opening_marks_read_archive(agent, tariff, statuses, users):
    filing = accepted(agent)
    other = accepted(agent, number="TM/2026/000124")
    old = notify(filing, "N-1", subject="Old letter").notification
    new = notify(other, "N-2", subject="New letter").notification
    assert unread_count(users["agent"]) == 2
    assert ">2</span>" in agent.get("/dashboard").get_data(as_text=True)  # the header counter
    page = agent.get(f"/notifications/{old.id}").get_data(as_text=True)
    assert "Old letter" in page and "Please file the translation." in page
    assert unread_count(users["agent"]) == 1
    inbox = agent.get("/notifications/").get_data(as_text=True)
    assert inbox.index("New letter") < inbox.index("Old letter")  # unread first
    only = agent.get(f"/notifications/?filing={filing.id}").get_data(as_text=True)
    assert "Old letter" in only and "New letter" not in only
    r = agent.submit(f"/notifications/{new.id}/archive", page="/notifications/")
    assert r.status_code == 302
    inbox = agent.get("/notifications/").get_data(as_text=True)
    assert "New letter" not in inbox
    assert "New letter" in agent.get("/notifications/?archived=1").get_data(as_text=True)
    assert unread_count(users["agent"]) == 0


def test_another_users_notification_gives_404(agent, applicant, tariff, statuses, users):
    from portal.documents.models import Document
    from portal.documents.storage import get_storage
    from tests.filings.conftest import pdf_bytes

    filing = accepted(agent)
    data = pdf_bytes(1)
    pdf = Document(owner_id=filing.owner_id, firm_id=filing.firm_id, filing=filing,
                   slot="notification", kind="other", filename="letter.pdf",
                   media_type="application/pdf", size=len(data), sha256="0" * 64, pages=1,
                   storage_key=get_storage().put(data, suffix=".pdf"))
    db.session.add(pdf)
    db.session.flush()
    n = record_office_event(filing, event_id="N-1", type="notification", subject="Objection 77",
                            document=pdf).notification
    db.session.commit()
    download = agent.get(f"/filings/documents/{pdf.id}")
    assert download.status_code == 200 and download.get_data() == data
    download.close()
    assert applicant.get(f"/filings/documents/{pdf.id}").status_code == 404
    assert applicant.get(f"/notifications/{n.id}").status_code == 404
    assert applicant.submit(f"/notifications/{n.id}/archive",
                            page="/notifications/").status_code == 404
    assert applicant.get(f"/notifications/?filing={filing.id}").status_code == 404
    assert "Objection 77" not in applicant.get("/notifications/").get_data(as_text=True)
    assert unread_count(users["applicant"]) == 0
    assert n.read_at is None and n.archived_at is None
    # the response form does not link another user's notification
    r = applicant.submit("/requests/new/response", {"kind": "trademark", "number": "",
                                                    "notification_id": str(n.id)})
    response = db.session.get(Filing, int(r.headers["Location"].split("/")[-2]))
    assert not stored_form(response).notification_id.data


def test_responding_links_the_notification_and_the_file_history(agent, tariff, statuses,
                                                                deposit):
    from tests.filings.conftest import save
    from tests.orders.conftest import checkout
    from tests.requests.conftest import HOLDER

    filing = accepted(agent)
    n = notify(filing).notification
    page = agent.get(f"/notifications/{n.id}").get_data(as_text=True)
    assert f"notification={n.id}" in page and "Respond" in page
    r = agent.submit("/requests/new/response", {"kind": "trademark",
                                                "number": "TM/2026/000123",
                                                "notification_id": str(n.id)},
                     page=f"/requests/new/response?kind=trademark&notification={n.id}")
    response_id = int(r.headers["Location"].split("/")[-2])
    form = stored_form(db.session.get(Filing, response_id))
    assert (form.notification_id.data, form.notification_ref.data) == (str(n.id), "N-1")
    save(agent, response_id, {**HOLDER, "rights-0-number": "TM/2026/000123",
                              "notification_id": str(n.id), "notification_ref": "N-1",
                              "notification_date": form.notification_date.raw_data[0],
                              "response": "The translation is attached."})
    agent.submit(f"/cart/add/{response_id}", page=f"/filings/{response_id}/edit")
    checkout(agent, "deposit_account")
    db.session.expire_all()
    n = db.session.get(Notification, n.id)
    assert n.responded_at is not None and n.response_filing_id == response_id
    history = agent.get(f"/filings/{filing.id}").get_data(as_text=True)
    assert "Notification from the office" in history and "Notification of formal" in history
    assert "Sokha Chan" in history and "1 Street, Phnom Penh" in history  # the parties
    assert "Response filed" in history
    assert [e.kind for e in db.session.get(Filing, filing.id).events][-1] == "response_filed"
