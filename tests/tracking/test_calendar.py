"""The private calendar feed: made, read by a calendar program, replaced, revoked."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar

from payments.fees import office_today
from portal.extensions import db
from portal.tracking.models import CalendarFeed
from portal.tracking.services import record_office_event
from tests.tracking.conftest import accepted

FEED = re.compile(r"http://localhost(/calendar/[\w-]+\.ics)")


def make_feed(web) -> str:
    page = web.submit("/account/calendar", {"action": "new"}).get_data(as_text=True)
    return FEED.search(page).group(1)


def test_the_feed_carries_the_deadlines(agent, client, tariff, statuses):
    today = office_today()
    filing = accepted(agent)
    record_office_event(filing, event_id="N-9", type="notification", subject="Office action",
                        response_due=today + timedelta(days=20))
    renewal = accepted(agent, number="TM/2016/000001")
    record_office_event(renewal, event_id="S-9", type="status", status="registered",
                        registration_number="TM-000001", expires_on=today + timedelta(days=60))
    db.session.commit()
    patent = accepted(agent, kind="patent", number="PT/2020/000001")
    record_office_event(patent, event_id="S-10", type="status", status="registered",
                        registration_number="PT-000001")
    db.session.commit()
    url = make_feed(agent)
    r = client.get(url)  # no login: the address is the key
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = Calendar.from_ical(r.get_data())
    events = {str(e["summary"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}
    assert any(s.startswith("Response due: Office action") for s in events)
    assert events[next(s for s in events if s.startswith("Renewal due"))] == (
        today + timedelta(days=60))
    assert any(s.startswith("Annual fee due for year") and "PT-000001" in s for s in events)
    assert db.session.scalar(db.select(CalendarFeed.token_hash)) not in url  # only a hash kept


def test_a_new_address_revokes_the_old_and_revoking_ends_it(agent, client, tariff, statuses):
    first = make_feed(agent)
    second = make_feed(agent)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    agent.submit("/account/calendar", {"action": "revoke"})
    assert client.get(second).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_another_users_feed_shows_only_their_deadlines(agent, applicant, client, tariff,
                                                       statuses):
    filing = accepted(agent)
    record_office_event(filing, event_id="N-10", type="notification", subject="Secret letter",
                        response_due=office_today() + timedelta(days=5))
    db.session.commit()
    body = client.get(make_feed(applicant)).get_data(as_text=True)
    assert "Secret letter" not in body and "BEGIN:VCALENDAR" in body


def test_the_coming_up_panel_looks_as_far_as_the_office_says(app, agent, users, tariff,
                                                             statuses):
    from portal.tracking.services import upcoming

    today = office_today()
    for number, days in (("TM-000021", 20), ("TM-000022", 60)):
        filing = accepted(agent, number=f"TM/2016/{number[-6:]}")
        record_office_event(filing, event_id=f"S-{number}", type="status", status="registered",
                            registration_number=number, expires_on=today + timedelta(days=days))
        db.session.commit()
    assert len(upcoming(users["agent"])) == 2
    app.config["DEADLINE_HORIZON_MONTHS"] = 1
    assert [d.filing.registration_number for d in upcoming(users["agent"])] == ["TM-000021"]
    page = agent.get("/dashboard").get_data(as_text=True)
    assert "TM-000021" in page[page.index("Coming up"):page.index("Coming up") + 2000]
