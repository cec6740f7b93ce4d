"""Amounts typed the reader's way (forms.amounts, forms.fields.AmountField): "12,5" is 12.5 in
French, never 125; the plain "12.50" is read in every language; what cannot be read, or could be
read two ways, is refused with an example written the reader's way, and the text typed stays.
The money pages read them so, their confirmation steps included."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from forms.amounts import plain_amount, read_amount, show_amount
from forms.office_tariff import RuleEditForm
from forms.payments import TopUpRequestForm
from payments.fees import office_today
from payments.models import DepositMovement, FeeSchedule, Order, Refund
from portal.config import LOCALES
from portal.extensions import db
from tests.conftest import Browser
from tests.office.test_tariff_console import confirm_fields, form_fields, row_of
from tests.orders.conftest import checkout, fill_cart, order_id_of

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture
def in_locale(app):
    from contextlib import contextmanager

    @contextmanager
    def in_locale(locale: str):
        with app.test_request_context(), force_locale(locale):
            yield

    return in_locale


def read_in(locale: str, text: str) -> Decimal:
    with force_locale(locale):
        return read_amount(text)


# --- reading --------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale, typed, amount", [
    ("fr", "12,5", "12.5"),
    ("fr", "1 234,56", "1234.56"),
    ("fr", f"1{NBSP}234,56", "1234.56"),
    ("fr", f"1{NNBSP}234,56", "1234.56"),
    ("fr", f"1{NNBSP}234{NNBSP}567,8", "1234567.8"),
    ("es", "1.234,56", "1234.56"),
    ("es", "12,5", "12.5"),
    ("es", "1.500", "1500"),  # "." groups in Spanish: the locale's reading comes first
    ("vi", "1.500", "1500"),
    ("vi", "2.500.000,5", "2500000.5"),
    ("lo", "໑໒,໕", "12.5"),
    ("en", "1,234.56", "1234.56"),
    ("en", "1,500", "1500"),
    ("en", "1.500", "1.5"),
    ("km", "១២.៥០", "12.50"),
    ("km", "១,២៣៤.៥", "1234.5"),
    ("ar", "١٢٫٥", "12.5"),
    ("ar", "١٬٢٣٤٫٥٦", "1234.56"),
    ("fr", "١٢٫٥", "12.5"),  # ٫ is a decimal separator whatever the language
    ("en", "-1,234.5", "-1234.5"),
    ("ar", "\u061c-١٢", "-12"),  # CLDR's Arabic minus, with its bidi mark
    ("fr", "\u22125", "-5"),  # the minus sign
])
def test_an_amount_is_read_the_readers_way(app, locale, typed, amount):
    with app.test_request_context():
        value = read_in(locale, typed)
    assert value == Decimal(amount) and isinstance(value, Decimal)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("typed, amount", [("12.50", "12.50"), ("0.5", "0.5"),
                                           ("1234.5", "1234.5"), ("1.5000", "1.5"),
                                           ("-3", "-3"), ("400000", "400000")])
def test_the_plain_form_is_read_in_every_language(app, locale, typed, amount):
    with app.test_request_context():
        assert read_in(locale, typed) == Decimal(amount)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("typed", ["12,3,4", "abc", "1e5", "1E5", "NaN", "Infinity", "-Infinity",
                                   "--5", "+-5", "1..5", "12 .5", "5 abc", "", "   ", "١٢x",
                                   "1" * 41, "1" * 29, "1" * 16, "-" + "9" * 16,
                                   "1000000000000000.5"])
def test_what_is_no_amount_is_refused_in_every_language(app, locale, typed):
    with app.test_request_context(), pytest.raises(ValueError):
        read_in(locale, typed)


def test_the_largest_amount_is_just_below_a_thousand_trillion(app):
    """Found by the form fuzz: 29 ones on the office's deposit adjustment reached Babel, which
    cannot show more digits than Decimal's context holds (a 500)."""
    with app.test_request_context():
        assert read_in("en", "999999999999999.99") == Decimal("999999999999999.99")
        assert show_amount(Decimal("999999999999999.99")) == "999999999999999.99"


@pytest.mark.parametrize("locale, typed", [
    ("en", "12,5"),  # a decimal comma where the comma groups: never 125
    ("en", "1,50"),
    ("en", "1.234,56"),
    ("km", "12,5"),
    ("fr", "1.500"),  # three decimals after a point, where the point is not decimal: a group?
    ("fr", "12.345"),
    ("es", "0.500"),
    ("fr", "1,234.56"),
    ("fr", "1.234,56"),
    ("es", "1,234.56"),
    ("es", "1.234.5"),
    ("en", "12 5"),  # a space is a group separator: three digits after it
])
def test_ambiguous_or_misgrouped_amounts_are_refused(app, locale, typed):
    with app.test_request_context(), pytest.raises(ValueError):
        read_in(locale, typed)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("amount", ["12.5", "12.50", "1.234", "1500", "0.01", "-3.5",
                                    "1234567.891", "250000.50", "100"])
def test_what_is_shown_and_what_is_carried_read_back_exactly(app, locale, amount):
    value = Decimal(amount)
    with app.test_request_context(), force_locale(locale):
        shown, carried = show_amount(value), plain_amount(value)
        assert read_amount(shown) == value, shown
        assert read_amount(carried) == value, carried
    assert re.fullmatch(r"-?\d+(\.\d+)?", carried) and "." not in carried[-4:-3]


def test_amounts_are_shown_ungrouped_with_the_readers_decimal_symbol(app):
    with app.test_request_context():
        with force_locale("fr"):
            assert show_amount(Decimal("1234.50")) == "1234,50"
            assert show_amount(Decimal("12.5"), places=2) == "12,50"
            assert show_amount(400000) == "400000"
        with force_locale("es"):
            assert show_amount(Decimal("1500")) == "1500"  # never "1.500": see the reading
        with force_locale("en"):
            assert show_amount(Decimal("0.001")) == "0.001"  # nothing rounded away
    assert plain_amount(Decimal("1.234")) == "1.2340" and plain_amount(Decimal("1E+3")) == "1000"


# --- the field ------------------------------------------------------------------------------------

def test_the_field_keeps_unreadable_text_and_shows_a_readable_amount_the_readers_way(in_locale):
    with in_locale("fr"):
        form = TopUpRequestForm(MultiDict({"amount": "12,3,4", "method": "bank_transfer"}),
                                meta={"csrf": False})
        assert not form.validate() and form.amount.data is None
        (message,) = form.amount.errors  # not also the range's message
        assert "1250,50" in str(message)  # the example written the French way
        assert 'value="12,3,4"' in form.amount() and 'inputmode="decimal"' in form.amount()
        assert 'type="text"' in form.amount()  # a number input would refuse the comma
        form = TopUpRequestForm(MultiDict({"amount": "1.5", "method": "bank_transfer"}),
                                meta={"csrf": False})
        assert form.validate() and form.amount.data == Decimal("1.5")
        assert form.amount._value() == "1,50" and form.amount.plain_value == "1.5"
    with in_locale("en"):
        form = TopUpRequestForm(MultiDict({"amount": "lots"}), meta={"csrf": False})
        form.validate()
        assert form.amount.errors == ["Enter an amount in figures, for example 1250.50."]


def test_a_negative_amount_is_for_the_forms_validators(in_locale):
    with in_locale("fr"):
        form = TopUpRequestForm(MultiDict({"amount": "-3", "method": "bank_transfer"}),
                                meta={"csrf": False})
        assert not form.validate() and form.amount.data == Decimal("-3")
        (message,) = form.amount.errors  # the range's message, bounds the French way
        assert "1\u202f000\u202f000\u202f000\u202f000" in message and "1250,50" not in message
        row = RuleEditForm(MultiDict({"amount": "-3,5", "code": "X"}))
        assert row.validate() and row.amount.data == Decimal("-3.5")  # the tariff check decides


# --- the tariff editor, in French -----------------------------------------------------------------

def french(app, email: str) -> Browser:
    from portal.auth.models import User

    user = db.session.scalar(select(User).where(User.email == email))
    user.locale = "fr"
    db.session.commit()
    web = Browser(app.test_client())
    web.login(email)
    return web


def edit_table(admin) -> dict:
    return form_fields(admin.get("/office/tariff/new").get_data(as_text=True),
                       "/office/tariff/new")


def error_of(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="error-message" id="{re.escape(field_id)}-error">(.*?)</p>',
                      page, re.S)
    assert match, f"no error for {field_id}"
    return unescape(match.group(1))


def test_a_french_admins_amount_of_12_5_is_saved_as_12_5(app, users, tariff):
    admin = french(app, "admin@example.org")
    fields = edit_table(admin)
    tm_app, reduction = row_of(fields, "TM-APP"), row_of(fields, "RED-50")
    assert fields[f"{tm_app}-amount"] == "400000"
    valid_from = office_today() + timedelta(days=1)
    fields.update(name="Tarif 2027", valid_from=str(valid_from),
                  **{f"{tm_app}-amount": "12,5", f"{reduction}-amount": "37,5"})
    step = admin.client.post("/office/tariff/new", data=fields)
    page = step.get_data(as_text=True)
    assert "12,50" in page  # the confirmation shows the amount the French way
    # "Change the amounts": the table again, the amounts written the French way
    back = form_fields(page, "/office/tariff/new")
    again = admin.client.post("/office/tariff/new", data=back).get_data(as_text=True)
    table = form_fields(again, "/office/tariff/new")
    assert table[f"{tm_app}-amount"] == "12,5" and table[f"{reduction}-amount"] == "37,5"
    r = admin.client.post("/office/tariff/confirm", data=confirm_fields(step))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    created = db.session.scalar(select(FeeSchedule).where(FeeSchedule.valid_from == valid_from))
    rules = {rule.code: rule for rule in created.rules}
    assert rules["TM-APP"].amount == Decimal("12.5") and rules["RED-50"].percent == Decimal(
        "37.5")


@pytest.mark.parametrize("typed", ["12,3,4", "abc", "1e5", "NaN", "Infinity", "--5", "1.500"])
def test_a_malformed_tariff_amount_is_refused_and_kept_in_french(app, users, tariff, typed):
    admin = french(app, "admin@example.org")
    fields = edit_table(admin)
    row = row_of(fields, "TM-CLASS")
    fields.update(name="Tarif", valid_from=str(office_today() + timedelta(days=1)),
                  **{f"{row}-amount": typed})
    r = admin.client.post("/office/tariff/new", data=fields)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "1250,50" in error_of(page, f"{row}-amount")  # the example, written the French way
    assert form_fields(page, "/office/tariff/new")[f"{row}-amount"] == typed
    assert db.session.scalar(select(func.count(FeeSchedule.id))) == 1


# --- deposit accounts: the office's top-ups and adjustments, a filer's top-up ---------------------

def test_a_french_office_top_up_goes_through_its_confirmation_step(app, users, deposit):
    staff = french(app, "staff@example.org")
    url = f"/office/deposits/{deposit.id}/top-up"
    step = staff.get(url, query_string={"top_up-amount": f"1{NNBSP}234,56",
                                        "top_up-note": "Virement 7"})
    page = step.get_data(as_text=True)
    assert step.status_code == 200
    hidden = form_fields(page, url)
    assert hidden["amount"] == "1234.56"  # the plain form, read back in every language
    change = re.search(r'href="([^"]*top_up-amount=[^"]*)"', page).group(1)
    assert "top_up-amount=1234.56" in unescape(change)
    # more decimals than the riel has are refused before the confirmation step, text kept
    odd = staff.get(url, query_string={"top_up-amount": "0,125", "top_up-note": "x"})
    odd_page = odd.get_data(as_text=True)
    assert "KHR" in error_of(odd_page, "top_up-amount") and 'value="0,125"' in odd_page
    assert 'name="key"' not in odd_page
    # and so is a forged confirmation that carries them
    forged = staff.submit(url, {**hidden, "amount": "0.1250"},
                          page=url + "?top_up-amount=1&top_up-note=x")
    assert forged.status_code == 200
    assert "KHR" in error_of(forged.get_data(as_text=True), "top_up-amount")
    for _ in range(2):  # a double click credits once
        r = staff.submit(url, hidden, page=url + "?top_up-amount=1&top_up-note=x")
        assert r.status_code == 302
    db.session.expire_all()
    assert deposit.balance == Decimal("5001234.56")


def test_a_malformed_office_top_up_is_refused_and_kept_in_french(app, users, deposit):
    staff = french(app, "staff@example.org")
    page = staff.get(f"/office/deposits/{deposit.id}/top-up", query_string={
        "top_up-amount": "12,3,4", "top_up-note": "Virement 8"}).get_data(as_text=True)
    assert "1250,50" in error_of(page, "top_up-amount") and 'value="12,3,4"' in page
    assert 'name="key"' not in page


def test_a_spanish_adjustment_of_1_500_is_1500_through_its_confirmation(app, users, deposit):
    from portal.auth.models import User

    db.session.scalar(select(User).where(User.email == "staff@example.org")).locale = "es"
    db.session.commit()
    staff = Browser(app.test_client())
    staff.login("staff@example.org")
    url, page_url = f"/office/deposits/{deposit.id}/adjust", f"/office/deposits/{deposit.id}"
    data = {"direction": "credit", "amount": "1.500", "reason": "Corrección"}
    step = staff.submit(url, data, page=page_url).get_data(as_text=True)
    hidden = form_fields(step, url)
    assert hidden["amount"] == "1500"
    back = staff.submit(url, {**hidden, "confirmed": "no"}, page=page_url).get_data(as_text=True)
    assert form_fields(back, url)["amount"] == "1500"  # the box, the Spanish way
    r = staff.submit(url, {**hidden, "confirmed": "yes"}, page=page_url)
    assert r.status_code == 302
    db.session.expire_all()
    assert deposit.balance == Decimal("5001500")
    assert db.session.scalar(select(func.count(DepositMovement.id)).where(
        DepositMovement.kind == "adjustment")) == 1


def test_an_adjustment_in_cents_round_trips_in_french(app, users, deposit):
    staff = french(app, "staff@example.org")
    url, page_url = f"/office/deposits/{deposit.id}/adjust", f"/office/deposits/{deposit.id}"
    step = staff.submit(url, {"direction": "debit", "amount": "0,5", "reason": "Frais"},
                        page=page_url).get_data(as_text=True)
    hidden = form_fields(step, url)
    assert hidden["amount"] == "0.5"
    assert staff.submit(url, {**hidden, "confirmed": "yes"}, page=page_url).status_code == 302
    db.session.expire_all()
    assert deposit.balance == Decimal("4999999.50")


def test_a_french_filers_deposit_top_up(app, users, tariff, deposit):
    filer = french(app, "agent@example.org")
    r = filer.submit("/deposit/top-up", {"amount": f"2{NNBSP}500{NNBSP}000,50",
                                         "method": "bank_transfer",
                                         "checkout_key": uuid.uuid4().hex}, page="/deposit")
    order = db.session.get(Order, order_id_of(r))
    assert order.purpose == "top_up" and order.total == Decimal("2500000.50")
    bad = filer.submit("/deposit/top-up", {"amount": "12,3,4", "method": "bank_transfer",
                                           "checkout_key": uuid.uuid4().hex}, page="/deposit")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "1250,50" in error_of(page, "amount")
    assert 'value="12,3,4"' in page
    assert db.session.scalar(select(func.count(Order.id)).where(Order.purpose == "top_up")) == 1


# --- a refund, in French --------------------------------------------------------------------------

@pytest.fixture
def paid_order(app, users, tariff, deposit):
    agent = Browser(app.test_client())
    agent.login("agent@example.org")
    fill_cart(agent)
    return db.session.get(Order, order_id_of(checkout(agent, "deposit_account")))


def test_a_french_refund_amount_is_read_and_a_bad_one_kept(app, users, paid_order):
    staff = french(app, "staff@example.org")
    url, page_url = f"/office/orders/{paid_order.id}/refund", f"/office/orders/{paid_order.id}"
    bad = staff.submit(url, {"amount": "1000,5,0", "reason": "Erreur de taxe"}, page=page_url)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "1250,50" in error_of(page, "amount")
    assert 'value="1000,5,0"' in page and 'value="Erreur de taxe"' in page
    assert db.session.scalar(select(func.count(Refund.id))) == 0
    r = staff.submit(url, {"amount": "1 000,50", "reason": "Erreur de taxe"}, page=page_url)
    assert r.status_code == 302
    (refund,) = db.session.scalars(select(Refund)).all()
    assert refund.amount == Decimal("1000.50")
