"""The translation follow-up: a filing accepted without what the office wants in Khmer gets one
notification from the office, due N working days after the filing day (the office's weekend
and holidays skipped), in every language, with its deadline on the dashboard; paying or
accepting again adds nothing; a complete filing gets none."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from payments import services as payments
from payments.fees import office_zone
from payments.models import Order
from portal.config import LOCALES
from portal.extensions import db
from portal.filings.models import Filing
from portal.tracking.models import Notification
from portal.tracking.translation import ask_for_translation, event_id
from portal.workdays import office_calendar
from tests.conftest import stored_mails
from tests.filings.conftest import COMPLETE, save, start
from tests.orders.conftest import checkout

HOLIDAY = date(2027, 4, 14)  # a Wednesday
FOREIGNER = {"applicants-0-kind": "person", "applicants-0-name": "John Smith",
             "applicants-0-address": "1 Main Street, Boston", "applicants-0-country": "US",
             "applicants-0-nationality": "US", "fee_category": "standard"}
NATIONAL = {"applicants-1-kind": "person", "applicants-1-name": "Sokha Chan",
            "applicants-1-name_local": "សុខា ចាន់", "applicants-1-address": "1 Street, Phnom Penh",
            "applicants-1-country": "KH", "applicants-1-nationality": "KH"}
IN_KHMER = {"applicants-0-name_local": "ចន ស្មីត",
            "applicants-0-address_local": "ផ្ទះលេខ ១ ផ្លូវធំ បូស្តុន",
            "applicants-1-address_local": "ផ្ទះលេខ ១ ផ្លូវ ភ្នំពេញ"}


@pytest.fixture
def config_overrides():
    return {"LOCAL_LANGUAGE": "km", "TRANSLATION_DEADLINE_WORKING_DAYS": 3,
            "OFFICE_WEEKEND": (6, 7), "OFFICE_HOLIDAYS": (HOLIDAY,)}


def draft(web, data: dict) -> Filing:
    filing_id = start(web, "trademark")
    r = save(web, filing_id, {**COMPLETE["trademark"], **data})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert db.session.get(Filing, filing_id).problems == 0
    return db.session.get(Filing, filing_id)


def pay(web, filing: Filing, key: str = "translation-key-1"):
    r = web.submit(f"/cart/add/{filing.id}", page=f"/filings/{filing.id}/edit")
    assert r.status_code == 302
    r = checkout(web, "deposit_account", key)
    assert r.status_code == 302
    db.session.refresh(filing)
    return r


def notices() -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def test_a_filing_without_its_khmer_version_is_asked_for_it_once(app, agent, tariff, deposit,
                                                                 users):
    filing = draft(agent, {**FOREIGNER, **NATIONAL, "translation": ""})
    pay(agent, filing)
    assert filing.status.value == "accepted"
    [notice] = notices()
    assert notice.filing_id == filing.id and notice.event_id == event_id(filing)
    filed_on = filing.accepted_at.astimezone(office_zone()).date()
    assert notice.response_due == office_calendar().add_working_days(filed_on, 3)
    assert notice.subject == "Translation into Khmer required"
    assert notice.body.splitlines() == [
        f"The office needs the following in Khmer for {filing.portal_number}:", "",
        "- Applicant 1 (John Smith): the name and the address in Khmer",
        "- Applicant 2 (Sokha Chan): the address in Khmer",
        "- The mark “MEKONG GOLD”: its translation or transliteration into Khmer", "",
        f"Send them by {notice.response_due.strftime('%B')} {notice.response_due.day}, "
        f"{notice.response_due.year}: respond to this notification with a response request "
        "that gives them."]
    # every shipped language, each naming Khmer in its own words
    assert set(notice.texts) == set(LOCALES)
    assert "khmer" in notice.texts["fr"]["subject"]
    assert "ខ្មែរ" in notice.texts["km"]["subject"]
    assert notice.texts["en"] == {"subject": notice.subject, "body": notice.body}
    mails = [m for m in stored_mails(app) if "Translation into Khmer" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == "agent@example.org"
    assert filing.next_deadline == notice.response_due

    # paying again, confirming the payment again, accepting again: still one
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    assert checkout(agent, "deposit_account", "translation-key-1").status_code == 302
    assert payments.confirm_payment(order.payment, kind="paid") is False
    payments.accept_filing(filing, order, datetime.now(UTC))
    again = ask_for_translation(filing)
    db.session.commit()
    assert again is not None and not again.created and again.notification.id == notice.id
    assert [n.id for n in notices()] == [notice.id]
    assert len([m for m in stored_mails(app) if "Translation into Khmer" in m["Subject"]]) == 1


def test_the_deadline_counts_working_days_from_the_office_day(app, agent, tariff, users):
    filing = draft(agent, {**FOREIGNER, **NATIONAL, **IN_KHMER,
                           "applicants-1-address_local": ""})
    # 18:00 UTC on Thursday 8 April 2027 is already Friday 9 April in Phnom Penh: Monday 12,
    # Tuesday 13, (Wednesday 14 a holiday), Thursday 15.
    payments.accept_filing(filing, SimpleNamespace(number="ORD-2027-000001"),
                           datetime(2027, 4, 8, 18, 0, tzinfo=UTC))
    db.session.commit()
    [notice] = notices()
    assert notice.response_due == date(2027, 4, 15)
    assert notice.body.splitlines()[2:3] == [
        "- Applicant 2 (Sokha Chan): the address in Khmer"]
    assert "15 avril 2027" in notice.texts["fr"]["body"]
    assert filing.next_deadline == date(2027, 4, 15)
    page = agent.get("/dashboard").get_data(as_text=True)
    assert filing.portal_number in page and "Apr 15, 2027" in page


def test_a_complete_filing_is_not_asked_anything(app, agent, tariff, deposit):
    filing = draft(agent, {**FOREIGNER, **NATIONAL, **IN_KHMER})
    pay(agent, filing)
    assert filing.status.value == "accepted"
    assert notices() == []
    assert filing.next_deadline is None


@pytest.mark.parametrize("setting", [{"TRANSLATION_DEADLINE_WORKING_DAYS": 0},
                                     {"LOCAL_LANGUAGE": None}])
def test_nothing_is_asked_when_the_office_does_not_ask(app, agent, tariff, setting):
    app.config.update(setting)
    filing = draft(agent, {**FOREIGNER, "translation": ""})
    payments.accept_filing(filing, SimpleNamespace(number="ORD-2027-000002"),
                           datetime(2027, 4, 8, 18, 0, tzinfo=UTC))
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_a_latin_mark_needs_no_translation_into_a_latin_script_language(app, agent, tariff):
    app.config["LOCAL_LANGUAGE"] = "vi"
    filing = draft(agent, {**FOREIGNER, "applicants-0-name_local": "Giôn Xmít",
                           "applicants-0-address_local": "1 Phố Chính, Boston",
                           "translation": ""})
    payments.accept_filing(filing, SimpleNamespace(number="ORD-2027-000003"),
                           datetime(2027, 4, 8, 18, 0, tzinfo=UTC))
    db.session.commit()
    assert notices() == []  # in Khmer, the same mark needs its translation (above)
