"""Office staff see the deliveries by state with their tries, and send a dead or rejected one
again; nobody else sees them."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import AuditEntry
from portal.backoffice.connector import deliver_due
from portal.backoffice.models import OutboxMessage, OutboxState
from portal.extensions import db
from tests.backoffice.receiver import Receiver
from tests.backoffice.test_connector import accepted, message_of
from tests.conftest import Browser


def test_staff_see_deliveries_by_state_and_replay_a_rejected_one(app, users):
    filings = accepted(users["agent"], 3)
    with Receiver(status=400) as receiver:
        app.config["BACKOFFICE_URL"] = receiver.url
        deliver_due(limit=1)
    rejected = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.state == OutboxState.REJECTED))
    staff = Browser(app.test_client())
    staff.login("staff@example.org")
    page = staff.get("/office/deliveries").get_data(as_text=True)
    assert "Due (2)" in page and "Rejected (1)" in page and "All (3)" in page
    page = staff.get("/office/deliveries?state=rejected").get_data(as_text=True)
    assert rejected.filing.portal_number in page and "HTTP 400" in page
    for other in filings:
        if other.id != rejected.filing_id:
            assert other.portal_number not in page
    detail = staff.get(f"/office/deliveries/{rejected.id}").get_data(as_text=True)
    assert "Send again" in detail and "HTTP 400" in detail
    assert "What was sent" in detail
    assert f'"portal_number": "{rejected.filing.portal_number}"' in detail
    assert staff.client.post(f"/office/deliveries/{rejected.id}/replay").status_code == 400
    r = staff.submit(f"/office/deliveries/{rejected.id}/replay",
                     page=f"/office/deliveries/{rejected.id}", follow=True)
    assert "will be tried again now" in r.get_data(as_text=True)
    assert message_of(rejected.filing).state is OutboxState.DUE
    with Receiver() as receiver:
        app.config["BACKOFFICE_URL"] = receiver.url
        assert deliver_due() == {"delivered": 3}
    detail = staff.get(f"/office/deliveries/{rejected.id}").get_data(as_text=True)
    assert "Send again" not in detail and detail.count("<tr") == 3  # head + two tries
    r = staff.submit(f"/office/deliveries/{rejected.id}/replay",
                     page=f"/office/deliveries/{rejected.id}", follow=True)
    assert "Only a rejected or dead delivery" in r.get_data(as_text=True)


def test_deliveries_are_for_office_staff_only(app, users):
    [filing] = accepted(users["agent"], 1)
    message = message_of(filing)
    urls = ["/office/deliveries", f"/office/deliveries/{message.id}"]
    for email in ("agent@example.org", "applicant@example.org"):
        other = Browser(app.test_client())
        other.login(email)
        for url in urls:
            assert other.get(url).status_code == 404
        token_page = other.get("/dashboard").get_data(as_text=True)
        from tests.conftest import csrf_token

        r = other.client.post(f"/office/deliveries/{message.id}/replay",
                              data={"csrf_token": csrf_token(token_page)})
        assert r.status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(urls[0]).status_code in (302, 404)
    staff = Browser(app.test_client())
    staff.login("staff@example.org")
    assert staff.get("/office/deliveries/999999").status_code == 404


def test_staff_send_many_dead_deliveries_again_at_once(app, users):
    filings = accepted(users["agent"], 3)
    for filing, state in zip(filings, (OutboxState.DEAD, OutboxState.DEAD,
                                       OutboxState.DELIVERED), strict=True):
        message_of(filing).state = state
    db.session.commit()
    staff = Browser(app.test_client())
    staff.login("staff@example.org")
    page = staff.get("/office/deliveries?state=dead").get_data(as_text=True)
    assert page.count('name="message"') == 2
    ids = [str(message_of(f).id) for f in filings]
    from tests.conftest import csrf_token

    r = staff.client.post("/office/deliveries/replay", follow_redirects=True,
                          data={"csrf_token": csrf_token(page), "state": "dead", "message": ids})
    assert "2 deliveries will be tried again now." in r.get_data(as_text=True)
    assert [message_of(f).state for f in filings] == [OutboxState.DUE, OutboxState.DUE,
                                                      OutboxState.DELIVERED]
    replays = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "delivery.replay")).all()
    assert len(replays) == 2
