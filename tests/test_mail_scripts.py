"""Every mail the portal sends, in Arabic, Khmer and Lao: subject and both parts in the
recipient's script, Content-Language, the HTML part's language and direction (right to left
for Arabic), and a font list that covers every shipped script with the recipient's first."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from payments.models import Order
from portal.extensions import db
from portal.timeutil import utcnow
from tests.conftest import PASSWORD, make_user, stored_mails
from tests.filings.conftest import agent  # noqa: F401  (fixtures)
from tests.orders.conftest import checkout, fill_cart, order_id_of  # noqa: F401

SCRIPTS = {
    "ar": re.compile("[\u0600-\u06ff]"),
    "km": re.compile("[\u1780-\u17ff]"),
    "lo": re.compile("[\u0e80-\u0eff]"),
}
# The first family of each language's font list, and one family every list names.
FIRST_FONT = {"ar": "Noto Naskh Arabic", "km": "Noto Sans Khmer", "lo": "Noto Sans Lao",
              "en": "Noto Sans"}
EVERY_SCRIPT = ("Noto Sans", "Noto Sans Khmer", "Noto Sans Lao", "Noto Naskh Arabic")


def only_mail(app):
    mails = stored_mails(app)
    assert len(mails) == 1, [m["Subject"] for m in mails]
    return mails[0]


def check_mail(mail, locale: str) -> None:
    script = SCRIPTS[locale]
    assert mail["Content-Language"] == locale
    assert script.search(mail["Subject"]), mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    # Both parts are in the recipient's language: mostly their script, not a stray line.
    for part in (text, html):
        assert len(script.findall(part)) > 40, part
    direction = "rtl" if locale == "ar" else "ltr"
    assert re.search(rf'<html lang="{locale}" dir="{direction}">', html)
    # Repeated on <body> and on a wrapper, for the clients that drop <html>'s attributes.
    assert f'<body dir="{direction}"' in html
    assert re.search(rf'<div lang="{locale}" dir="{direction}"', html)
    assert 'dir="rtl"' not in html or locale == "ar"
    check_fonts(html, locale)


def check_fonts(html: str, locale: str) -> None:
    stacks = re.findall(r"font-family: ([^;\"]+);", html.replace("&#39;", "'"))
    assert stacks
    for stack in stacks:
        families = [family.strip().strip("'") for family in stack.split(",")]
        assert families[0] == FIRST_FONT[locale], families
        assert set(EVERY_SCRIPT) <= set(families) and families[-1] == "sans-serif", families


@pytest.fixture(params=list(SCRIPTS))
def locale(request):
    return request.param


# ---------------------------------------------------------------------------------------------
# Accounts


def test_confirm_email(app, locale):
    from portal.auth.services import send_confirmation

    user = make_user("new@example.org", confirmed=False, locale=locale, full_name="Dara Sok")
    with app.test_request_context("/"):
        send_confirmation(user)
        db.session.commit()
    mail = only_mail(app)
    check_mail(mail, locale)
    assert "/confirm/" in mail.get_body(preferencelist=("plain",)).get_content()


def test_reset_password(app, locale):
    from portal.auth.services import request_password_reset

    make_user("forgot@example.org", locale=locale)
    with app.test_request_context("/"):
        request_password_reset("forgot@example.org")
        db.session.commit()
    check_mail(only_mail(app), locale)


def test_password_changed(app, locale):
    from portal.auth.services import change_password

    user = make_user("changed@example.org", locale=locale)
    with app.test_request_context("/"):
        change_password(user, PASSWORD, "a-new-and-long-password-for-the-test")
        db.session.commit()
    check_mail(only_mail(app), locale)


def test_colleague_invitation(app, users, locale):
    from portal.auth.services import invite_colleague

    users["agent"].locale = locale  # the inviter writes in their own language
    db.session.commit()
    with app.test_request_context("/"):
        invite_colleague(users["agent"], "colleague@example.org")
        db.session.commit()
    mail = only_mail(app)
    check_mail(mail, locale)
    assert mail["To"] == "colleague@example.org"


# ---------------------------------------------------------------------------------------------
# Filings and orders


def test_notification(app, users, agent, tariff, locale):  # noqa: F811
    from portal.filings.models import Filing, FilingStatus
    from portal.tracking.services import record_office_event
    from tests.filings.conftest import complete_draft

    filing = db.session.get(Filing, complete_draft(agent, "trademark"))
    filing.status, filing.accepted_at = FilingStatus.ACCEPTED, utcnow()
    filing.portal_number = f"EF-TM-2026-{filing.id:06d}"
    users["agent"].locale = locale
    db.session.commit()
    with app.test_request_context("/"):
        record_office_event(filing, event_id="mail-scripts-1", type="notification",
                            subject="Formality check", body="Please send the power of attorney.",
                            response_due=utcnow().date() + timedelta(days=30))
        db.session.commit()
    mail = only_mail(app)
    check_mail(mail, locale)
    assert filing.portal_number in mail.get_body(preferencelist=("plain",)).get_content()


def test_order_paid(app, users, agent, tariff, deposit, locale):  # noqa: F811
    users["agent"].locale = locale  # the pages, hence the order, are in this language
    db.session.commit()
    fill_cart(agent, kinds=("trademark",))
    order = db.session.get(Order, order_id_of(checkout(agent, "deposit_account")))
    mail = only_mail(app)
    check_mail(mail, locale)
    assert order.number in mail["Subject"]
    # The filing's number keeps its order inside the (Arabic) sentence around it.
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert f'<strong dir="ltr">{order.items[0].filing.portal_number}</strong>' in html
    (receipt,) = mail.iter_attachments()
    assert receipt.get_filename().endswith(".pdf")
    assert receipt.get_content().startswith(b"%PDF-")


@pytest.fixture
def transfer_order(app, users, agent, tariff, locale):  # noqa: F811
    users["agent"].locale = locale
    db.session.commit()
    fill_cart(agent, kinds=("trademark",))
    return db.session.get(Order, order_id_of(checkout(agent, "bank_transfer")))


def test_transfer_reminder(app, transfer_order, locale):
    from payments.office import remind_transfers

    transfer_order.payment.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    with app.test_request_context("/"):
        assert remind_transfers() == 1
        db.session.commit()
    mail = only_mail(app)
    check_mail(mail, locale)
    assert transfer_order.number in mail["Subject"]


def test_transfer_rejected(app, users, transfer_order, locale):
    from payments.office import reject_transfer

    with app.test_request_context("/"):
        assert reject_transfer(transfer_order.payment.id, "Amount received was 100 short.",
                               users["staff"])
        db.session.commit()
    mail = only_mail(app)
    check_mail(mail, locale)
    assert "Amount received was 100 short." in mail.get_body(
        preferencelist=("plain",)).get_content()


# ---------------------------------------------------------------------------------------------


def test_an_english_mail_is_left_to_right_with_latin_fonts_first(app):
    from portal.auth.services import request_password_reset

    make_user("en@example.org", locale="en")
    with app.test_request_context("/"):
        request_password_reset("en@example.org")
        db.session.commit()
    mail = only_mail(app)
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert mail["Content-Language"] == "en"
    assert '<html lang="en" dir="ltr">' in html and 'dir="rtl"' not in html
    check_fonts(html, "en")
