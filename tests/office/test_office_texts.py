"""The office's name and address in each language: the fallback (the reader's language, the
office's default language, the plain columns), where they are shown (pages, mails, receipts),
and the administrators' console page that edits them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.audit import AuditEntry
from portal.extensions import db
from portal.i18n import office_address, office_name
from portal.office.models import Office
from tests.conftest import Browser, csrf_token, mail_text

KM_NAME, KM_ADDRESS = "នាយកដ្ឋានកម្មសិទ្ធិបញ្ញា", "ផ្លូវលេខ ១ ភ្នំពេញ"
FR_NAME = "Office de la propriété intellectuelle"
AR_NAME = "مكتب الملكية الفكرية"
PLAIN_NAME, PLAIN_ADDRESS = "Test Intellectual Property Office", "1 Test Street, Phnom Penh"


@pytest.fixture
def office(app):
    office = db.session.scalar(select(Office))
    office.default_locale = "km"
    office.texts = {"km": {"name": KM_NAME, "address": KM_ADDRESS},
                    "fr": {"name": FR_NAME}}
    db.session.commit()
    return office


def web_as(app, email: str) -> Browser:
    web = Browser(app.test_client())
    assert web.login(email).status_code == 302
    return web


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


# --- the fallback --------------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "name", "address"), [
    ("km", KM_NAME, KM_ADDRESS),
    ("fr", FR_NAME, KM_ADDRESS),      # no French address: the office's default language
    ("fr_CA", FR_NAME, KM_ADDRESS),
    ("ar", KM_NAME, KM_ADDRESS),
    ("en", KM_NAME, KM_ADDRESS),      # English is not preferred to the office's language
])
def test_name_and_address_in_the_readers_language_else_the_office_language(
        app, office, locale, name, address):
    with app.test_request_context(), force_locale(locale):
        assert (office_name(), office_address()) == (name, address)
    with app.test_request_context():
        assert office_name(locale) == name


def test_without_texts_in_either_language_the_plain_columns(app, office):
    office.texts = {"fr": {"name": FR_NAME}}
    db.session.commit()
    with app.test_request_context(), force_locale("vi"):
        assert (office_name(), office_address()) == (PLAIN_NAME, PLAIN_ADDRESS)
    office.texts = None
    db.session.commit()
    with app.test_request_context(), force_locale("fr"):
        assert (office_name(), office_address()) == (PLAIN_NAME, PLAIN_ADDRESS)


def test_pages_show_the_name_in_the_readers_language(app, office, users):
    users["agent"].locale = "ar"
    users["applicant"].locale = "fr"
    db.session.commit()
    page = web_as(app, "agent@example.org").get("/dashboard").get_data(as_text=True)
    assert KM_NAME in page and PLAIN_NAME not in page
    page = web_as(app, "applicant@example.org").get("/dashboard").get_data(as_text=True)
    assert FR_NAME in page and KM_ADDRESS in page  # header, and footer's address
    anonymous = app.test_client().get("/login", headers={"Accept-Language": "fr"})
    assert FR_NAME in anonymous.get_data(as_text=True)


def test_mails_and_receipts_name_the_office_in_the_readers_language(app, office, users):
    from payments.fees import load_tariff
    from portal.mail import build_message
    from portal.receipts.services import receipt_context
    from portal.seed import TARIFF_FILE
    from tests.orders.conftest import checkout, fill_cart

    message = build_message("agent@example.org", "Password", "password_changed", "fr",
                            user=users["agent"])
    assert FR_NAME in mail_text(message) and KM_NAME not in mail_text(message)
    message = build_message("agent@example.org", "Password", "password_changed", "km",
                            user=users["agent"])
    assert KM_NAME in mail_text(message)

    from payments.models import Order
    from payments.providers.deposit_account import move, open_account

    load_tariff(TARIFF_FILE)
    move(open_account(users["agent"], "KHR"), Decimal("5000000"), "top_up", note="opening")
    users["agent"].locale = "fr"
    db.session.commit()
    agent = web_as(app, "agent@example.org")
    fill_cart(agent, kinds=("trademark",))
    assert checkout(agent, "deposit_account").status_code == 302
    order = db.session.scalar(select(Order).order_by(Order.id.desc()))
    assert order.locale == "fr"
    context = receipt_context(order, "RCP-1")
    assert context["office"]["name"] == FR_NAME and context["office"]["address"] == KM_ADDRESS
    order.locale = "vi"
    assert receipt_context(order, "RCP-1")["office"]["name"] == KM_NAME


# --- the console page ----------------------------------------------------------------------

def test_administrators_edit_the_texts_audited_with_before_and_after(app, office, users):
    admin = web_as(app, "admin@example.org")
    page = admin.get("/office/office-texts").get_data(as_text=True)
    assert KM_NAME in page and FR_NAME in page and 'lang="ar" dir="rtl"' in page
    r = admin.submit("/office/office-texts", {
        "km-name": KM_NAME, "km-address": KM_ADDRESS, "fr-name": "",
        "ar-name": f"  {AR_NAME}  ", "ar-address": "", "vi-name": ""})
    assert r.status_code == 302
    db.session.expire_all()
    office = db.session.scalar(select(Office))
    assert office.texts == {"km": {"name": KM_NAME, "address": KM_ADDRESS},
                            "ar": {"name": AR_NAME}}
    [entry] = audits("office.texts_changed")
    assert entry.user_id == users["admin"].id and entry.object_type == "Office"
    assert entry.details["before"] == {"km": {"name": KM_NAME, "address": KM_ADDRESS},
                                       "fr": {"name": FR_NAME}}
    assert entry.details["after"] == office.texts
    # The same form again changes nothing and records nothing.
    r = admin.submit("/office/office-texts", {"km-name": KM_NAME, "km-address": KM_ADDRESS,
                                              "ar-name": AR_NAME}, follow=True)
    assert "Nothing was changed." in r.get_data(as_text=True)
    assert len(audits("office.texts_changed")) == 1
    log = admin.get("/office/audit").get_data(as_text=True)
    assert "Office name and address changed" in log


def test_a_too_long_name_is_refused_and_nothing_typed_is_lost(app, office, users):
    admin = web_as(app, "admin@example.org")
    r = admin.submit("/office/office-texts", {
        "km-name": "ន" * 201, "km-address": "New address", "lo-name": "ຫ້ອງການ"})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "At most 200 characters." in page
    assert "ន" * 201 in page and "New address" in page and "ຫ້ອງການ" in page
    db.session.expire_all()
    assert db.session.scalar(select(Office)).texts["km"]["name"] == KM_NAME
    assert audits("office.texts_changed") == []
    r = admin.submit("/office/office-texts", {"km-address": "x" * 501})
    assert r.status_code == 400 and "At most 500 characters." in r.get_data(as_text=True)


def test_only_administrators_reach_the_page(app, office, users):
    for email in ("staff@example.org", "agent@example.org", "applicant@example.org"):
        web = web_as(app, email)
        assert web.get("/office/office-texts").status_code == 404
        token = csrf_token(web.get("/account").get_data(as_text=True))
        r = web.client.post("/office/office-texts", data={"csrf_token": token,
                                                          "km-name": "Taken over"})
        assert r.status_code == 404
    assert app.test_client().get("/office/office-texts").status_code == 302  # to log in
    admin = web_as(app, "admin@example.org")
    r = admin.client.post("/office/office-texts", data={"km-name": "No token"})
    assert r.status_code == 400  # CSRF
    db.session.expire_all()
    assert db.session.scalar(select(Office)).texts["km"]["name"] == KM_NAME
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "office.texts_changed")) == 0
