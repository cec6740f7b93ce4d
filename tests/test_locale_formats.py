"""Dates, numbers and money in the reader's language: date boxes that read the reader's format
(and ISO 8601, and any script's digits), drafts that keep ISO 8601, pages formatted by Babel,
and a calendar feed in its owner's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date as babel_date
from babel.numbers import format_currency as babel_currency
from flask_babel import force_locale, get_translations, gettext, pgettext
from icalendar import Calendar
from markupsafe import escape
from werkzeug.datastructures import MultiDict
from wtforms import Form

from forms.fields import INVALID_NUMBER, DateField, IntegerField
from payments.fees import office_today
from payments.models import Order
from portal.api.models import create_client
from portal.config import LOCALES
from portal.extensions import db
from portal.filings.models import Filing
from portal.tracking.services import record_office_event
from tests.api.conftest import bearer
from tests.filings import conftest as filing_fixtures
from tests.filings.conftest import APPLICANT, COMPLETE, save, start
from tests.orders.conftest import checkout, fill_cart, order_id_of
from tests.tracking import conftest as tracking_fixtures
from tests.tracking.conftest import accepted

# The fixtures of the filings and tracking tests, used here too.
agent, applicant = filing_fixtures.agent, filing_fixtures.applicant
statuses = tracking_fixtures.statuses

RLM = "\u200f"
YEAR = date.today().year
FRENCH = {
    "Enter a real date in the form %(format)s, for example %(example)s.":
        "Saisissez une vraie date sous la forme %(format)s, par exemple %(example)s.",
    "In the form %(format)s, for example %(example)s.":
        "Sous la forme %(format)s, par exemple %(example)s.",
    "date format\x04dd": "jj", "date format\x04mm": "mm", "date format\x04yyyy": "aaaa",
}


class DateForm(Form):
    when = DateField("When")
    count = IntegerField("Count")


@pytest.fixture
def plant(app, monkeypatch):
    """Put translations into a language's catalog for one test, as translators will."""

    def plant(locale: str, messages: dict[str, str]) -> None:
        with app.test_request_context(), force_locale(locale):
            catalog = get_translations()._catalog
        for msgid, msgstr in messages.items():
            monkeypatch.setitem(catalog, msgid, msgstr)

    return plant


@pytest.fixture
def in_locale(app):
    """Run a block as a request in `locale` would."""
    from contextlib import contextmanager

    @contextmanager
    def in_locale(locale: str):
        with app.test_request_context(), force_locale(locale):
            yield

    return in_locale


def read(text: str) -> DateForm:
    form = DateForm(MultiDict({"when": text}))
    form.validate()
    return form


# --- the date box -----------------------------------------------------------------------------

SHOWN = {"en": "3/31/2026", "fr": "31/03/2026", "es": "31/3/2026", "km": "31/3/2026",
         "lo": "31/3/2026", "vi": "31/3/2026", "ar": f"31{RLM}/3{RLM}/2026"}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_date_is_shown_in_the_locale_format_and_read_back(in_locale, locale):
    day = date(2026, 3, 31)
    with in_locale(locale):
        shown = DateForm(data={"when": day}).when._value()
        assert shown == SHOWN[locale]
        form = read(shown)
        assert form.when.data == day and not form.when.errors
        assert form.when._value() == shown and form.when.stored_values() == ["2026-03-31"]
        # ISO 8601 is read in every language (API clients, old drafts, a date picker)
        assert read("2026-03-31").when.data == day
        # single-digit days and months, with or without the zero
        assert read(DateForm(data={"when": date(2026, 1, 5)}).when._value()).when.data == (
            date(2026, 1, 5))


@pytest.mark.parametrize("locale, text", [
    ("fr", "31/03/2026"), ("fr", "31.03.2026"), ("fr", "31-3-2026"), ("fr", " 31 03 2026 "),
    ("fr", "31032026"), ("fr", "20260331"),
    ("vi", "31/3/2026"), ("vi", "31/03/2026"),
    ("en", "3/31/2026"), ("en", "03/31/2026"), ("en", "03312026"),
    ("km", "៣១/០៣/២០២៦"), ("km", "៣១/៣/២០២៦"),
    ("lo", "໓໑/໐໓/໒໐໒໖"),
    ("ar", f"31{RLM}/3{RLM}/2026"), ("ar", f"٣١{RLM}/٣{RLM}/٢٠٢٦"), ("ar", "٣١/٠٣/٢٠٢٦"),
    ("ar", "۳۱/۳/۲۰۲۶"), ("ar", "\u200e2026-03-31"),
    ("es", "2026/03/31"),
])
def test_dates_are_read_in_any_script_with_any_usual_separator(in_locale, locale, text):
    with in_locale(locale):
        form = read(text)
    assert form.when.data == date(2026, 3, 31), form.when.errors


@pytest.mark.parametrize("locale, text", [
    ("fr", "31/02/2026"), ("fr", "2026-02-31"), ("fr", "31/03/26"), ("fr", "31/03"),
    ("fr", "le 31 mars"), ("en", "31/3/2026"), ("fr", "3/31/2026"), ("fr", "310326"),
    ("fr", "31/03/2026/1"), ("fr", "0031/03/2026"),
])
def test_impossible_dates_are_refused_with_the_format_to_use(in_locale, locale, text):
    with in_locale(locale):
        form = read(text)
        (message,) = form.when.errors
        assert form.when.data is None and form.when._value() == text
        assert form.when.stored_values() == [text]  # a draft keeps what was typed
    iso = re.match(r"\d{4}(\D|$)", text)
    order = ("yyyy", "mm", "dd") if iso else ("dd", "mm", "yyyy") if locale == "fr" else (
        "mm", "dd", "yyyy")
    example = f"{YEAR}-03-31" if iso else f"31/03/{YEAR}" if locale == "fr" else f"3/31/{YEAR}"
    with in_locale(locale):
        expected = ("-" if iso else "/").join(pgettext("date format", part) for part in order)
        assert message == gettext("Enter a real date in the form %(format)s, for example "
                                  "%(example)s.", format=expected, example=example)
    if locale == "fr" and not iso:  # the shipped French catalog's letters
        assert "jj/mm/aaaa" in message


def test_the_format_message_and_hint_are_in_the_readers_words(in_locale, plant):
    plant("fr", FRENCH)
    with in_locale("fr"):
        form = read("31/02/2026")
        assert form.when.errors == [
            f"Saisissez une vraie date sous la forme jj/mm/aaaa, par exemple 31/03/{YEAR}."]
        assert form.when.format_hint == f"Sous la forme jj/mm/aaaa, par exemple 31/03/{YEAR}."
    with in_locale("ar"):  # the letters keep the marks that make the date read from the right
        day, month, year = (pgettext("date format", part) for part in ("dd", "mm", "yyyy"))
        hint = DateForm().when.format_hint
        assert f"{day}{RLM}/{month}{RLM}/{year}" in hint and f"31{RLM}/3{RLM}/{YEAR}" in hint
        assert re.search(r"[\u0600-\u06FF]", hint)


def test_the_date_box_is_a_numeric_text_box_with_its_hint(in_locale):
    from flask import render_template_string

    with in_locale("vi"):
        html = render_template_string('{% from "macros/forms.html" import field %}'
                                      "{{ field(form.when) }}", form=DateForm())
        hint = gettext("In the form %(format)s, for example %(example)s.",
                       format="dd/mm/yyyy", example=f"31/3/{YEAR}")
    assert 'type="text"' in html and 'inputmode="numeric"' in html
    assert 'autocomplete="off"' in html and 'type="date"' not in html
    assert 'aria-describedby="when-hint"' in html
    assert hint.startswith("Theo") and str(escape(hint)) in html  # Vietnamese, shipped
    assert '<p class="hint" id="when-hint"><span class="hint__format">' in html


# --- whole numbers --------------------------------------------------------------------------

@pytest.mark.parametrize("locale, text, number", [
    ("km", "១២", 12), ("lo", "໑໒", 12), ("ar", "١٢", 12), ("ar", "۱۲", 12), ("en", " 12 ", 12),
    ("fr", "1 000", 1000), ("fr", "1\u202f000", 1000), ("en", "1,000", 1000),
    ("es", "1.000", 1000), ("km", "១,០០០", 1000), ("en", "-3", -3),
])
def test_whole_numbers_are_read_in_any_script(in_locale, locale, text, number):
    with in_locale(locale):
        form = DateForm(MultiDict({"count": text}))
        assert form.count.data == number and not form.count.process_errors
        assert form.count.stored_values() == [str(number)]


@pytest.mark.parametrize("locale, text", [
    ("en", "1,5"), ("en", "1.000"), ("fr", "12 ans"), ("en", "1_000"), ("es", "1,000"),
    ("fr", "10 00"), ("en", "½"),
])
def test_what_is_not_a_whole_number_is_refused(in_locale, locale, text):
    with in_locale(locale):
        form = DateForm(MultiDict({"count": text}))
        form.validate()
        assert form.count.data is None and form.count.errors == [str(INVALID_NUMBER)]
        assert form.count._value() == text


# --- drafts: the reader's format on the page, ISO 8601 in the database and the API ----------

def priority(filed_on: str) -> dict:
    return {"priorities-0-office": "FR", "priorities-0-filed_on": filed_on,
            "priorities-0-number": "FR 123"}


def stored(filing_id: int, name: str) -> str:
    db.session.expire_all()
    return dict(db.session.get(Filing, filing_id).form_data)[name]


def test_a_draft_keeps_iso_and_shows_each_reader_their_format(app, applicant, users):
    users["applicant"].locale = "fr"
    db.session.commit()
    day = office_today() - timedelta(days=40)
    filing_id = start(applicant, "trademark")
    r = save(applicant, filing_id, {**COMPLETE["trademark"], **APPLICANT,
                                    **priority(day.strftime("%d/%m/%Y"))})
    assert r.status_code == 302
    assert stored(filing_id, "priorities-0-filed_on") == day.isoformat()
    page = applicant.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert f'value="{day.strftime("%d/%m/%Y")}"' in page
    users["applicant"].locale = "en"
    db.session.commit()
    page = applicant.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert f'value="{day.month}/{day.day}/{day.year}"' in page

    _client, token = create_client("Docketing", ["filings:read", "filings:write"],
                                   user=users["applicant"], created_by=users["applicant"])
    db.session.commit()
    shown = app.test_client().get(f"/api/v1/filings/{filing_id}", headers=bearer(token)).json
    assert shown["data"]["priorities"][0]["filed_on"] == day.isoformat()
    # an API client writing ISO 8601 in another language gets ISO 8601 back
    other = day - timedelta(days=1)
    r = app.test_client().patch(
        f"/api/v1/filings/{filing_id}", headers={**bearer(token), "Accept-Language": "km"},
        json={"data": {"priorities": [{"office": "FR", "filed_on": other.isoformat(),
                                       "number": "FR 124"}]}})
    assert r.status_code == 200, r.json
    assert r.json["data"]["priorities"][0]["filed_on"] == other.isoformat()
    assert stored(filing_id, "priorities-0-filed_on") == other.isoformat()
    r = app.test_client().patch(
        f"/api/v1/filings/{filing_id}", headers={**bearer(token), "Accept-Language": "en"},
        json={"data": {"priorities": [{"office": "FR", "filed_on": "2026-02-31",
                                       "number": "FR 124"}]}})
    assert r.status_code == 422
    assert "yyyy-mm-dd" in str(r.json) and "2026-02-31" not in stored(filing_id,
                                                                      "priorities-0-filed_on")


def test_an_impossible_date_is_explained_and_kept_as_typed(applicant, users, plant):
    plant("fr", FRENCH)
    users["applicant"].locale = "fr"
    db.session.commit()
    filing_id = start(applicant, "trademark")
    r = save(applicant, filing_id, {**COMPLETE["trademark"], **APPLICANT,
                                    **priority("31/02/2026")})
    assert r.status_code == 302  # a draft is saved with what was typed
    assert stored(filing_id, "priorities-0-filed_on") == "31/02/2026"
    page = applicant.get(f"/filings/{filing_id}/edit?check=1").get_data(as_text=True)
    assert f"Saisissez une vraie date sous la forme jj/mm/aaaa, par exemple 31/03/{YEAR}." \
        in page
    assert 'value="31/02/2026"' in page
    assert f"Sous la forme jj/mm/aaaa, par exemple 31/03/{YEAR}." in page  # the hint


def test_whole_numbers_in_khmer_digits_are_kept_in_ascii(applicant, users):
    users["applicant"].locale = "km"
    db.session.commit()
    filing_id = start(applicant, "patent")
    save(applicant, filing_id, {**COMPLETE["patent"], **APPLICANT, "claims_count": "១២"})
    assert stored(filing_id, "claims_count") == "12"
    page = applicant.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert re.search(r'id="claims_count"[^>]*value="12"|value="12"[^>]*id="claims_count"', page)


def test_the_dashboard_filters_by_dates_typed_in_french(agent, users, tariff):
    users["agent"].locale = "fr"
    db.session.commit()
    early, late = accepted(agent), accepted(agent, number="TM/2026/000124")
    early.submitted_at = datetime(2026, 3, 10, 5, tzinfo=UTC)
    late.submitted_at = datetime(2026, 3, 31, 5, tzinfo=UTC)
    db.session.commit()
    page = agent.get("/dashboard?date_from=31/03/2026").get_data(as_text=True)
    assert late.portal_number in page and early.portal_number not in page
    assert 'value="31/03/2026"' in page
    page = agent.get("/dashboard?date_to=10.3.2026").get_data(as_text=True)
    assert early.portal_number in page and late.portal_number not in page
    assert 'value="10/03/2026"' in page
    page = agent.get("/dashboard?date_from=31/02/2026").get_data(as_text=True)
    with force_locale("fr"):
        refused = gettext("Enter a real date in the form %(format)s, for example %(example)s.",
                          format="jj/mm/aaaa", example=f"31/03/{YEAR}")
    assert str(escape(refused)) in page and 'value="31/02/2026"' in page


# --- pages: amounts and dates by Babel --------------------------------------------------------

@pytest.mark.parametrize("locale, month", [("fr", "mars"), ("ar", "مارس"), ("km", "មីនា")])
def test_the_amount_and_the_date_to_pay_by_are_in_the_readers_language(agent, users, tariff,
                                                                       locale, month):
    fill_cart(agent, ("trademark",))
    order = db.session.get(Order, order_id_of(checkout(agent, "bank_transfer")))
    order.payment.expires_at = datetime(2026, 3, 31, 5, tzinfo=UTC)
    users["agent"].locale = locale
    db.session.commit()
    html = agent.get(f"/orders/{order.id}").get_data(as_text=True)
    amount = babel_currency(order.total, order.currency, locale=locale)
    assert amount in html and babel_date(date(2026, 3, 31), "long", locale=locale) in html
    assert f"31 {month} 2026" in html
    english = babel_currency(order.total, order.currency, locale="en")
    assert english not in html
    if locale == "fr":  # grouped with a narrow no-break space, decimals after a comma
        assert re.search(r"\d\u202f\d{3}\u202f?\d*,00\xa0KHR", amount) and amount in html
    assert order.total >= Decimal("1000")


def test_sizes_and_ordinary_counts_are_in_the_readers_language(in_locale):
    from portal.filters import filesize, isodateformat

    with in_locale("fr"):
        assert filesize(1_250_000) == "1,2\u202fMo" and filesize(532) == "532\u202fo"
        assert isodateformat("2026-03-31", "long") == "31 mars 2026"
        assert isodateformat("not a date") == "not a date"
    with in_locale("en"):
        assert filesize(12_500) == "12.5 kB"


def test_number_range_messages_write_their_bounds_the_readers_way(in_locale):
    from forms.payments import TopUpRequestForm

    with in_locale("fr"):
        form = TopUpRequestForm(MultiDict({"amount": "0", "method": "bank_transfer"}),
                                meta={"csrf": False})
        assert not form.validate()
        (message,) = form.amount.errors
    assert message.endswith(" 1\u202f000\u202f000\u202f000\u202f000.") and "0000" not in message
    with in_locale("en"):
        form = TopUpRequestForm(MultiDict({"amount": "0"}), meta={"csrf": False})
        form.validate()
        assert form.amount.errors == ["Enter an amount from 1 to 1,000,000,000,000."]


# --- the calendar feed, in its owner's language -----------------------------------------------

def feed_of(web) -> str:
    page = web.submit("/account/calendar", {"action": "new"}).get_data(as_text=True)
    return re.search(r"http://localhost(/calendar/[\w-]+\.ics)", page).group(1)


def test_the_calendar_feed_speaks_its_owners_language(agent, users, client, tariff,
                                                      statuses, plant):
    plant("km", {"%(office)s: deadlines": "%(office)s៖ កាលកំណត់",
                 "Due on %(date)s.": "ដល់កំណត់នៅ %(date)s។"})
    today = office_today()
    renewal = accepted(agent, number="TM/2016/000001")
    record_office_event(renewal, event_id="S-9", type="status", status="registered",
                        registration_number="TM-000001", expires_on=today + timedelta(days=60))
    users["agent"].locale = "km"
    db.session.commit()
    url = feed_of(agent)
    client.set_cookie("lang", "fr")  # the calendar program's language does not matter
    cal = Calendar.from_ical(client.get(url, headers={"Accept-Language": "fr"}).get_data())
    (event,) = cal.walk("VEVENT")
    assert str(cal["x-wr-calname"]) == "TIPO៖ កាលកំណត់"
    assert str(event["summary"]).startswith("ដល់កំណត់បន្តសុពលភាព: TM-000001")
    assert event["summary"].params["LANGUAGE"] == "km"
    due = today + timedelta(days=60)
    assert f"ដល់កំណត់នៅ {babel_date(due, 'long', locale='km')}។" in str(event["description"])
    assert event.decoded("dtstart") == due  # the dates stay iCalendar dates
    # without a language of their own, the owner gets the office's
    users["agent"].locale = None
    db.session.commit()
    cal = Calendar.from_ical(client.get(url, headers={"Accept-Language": "km"}).get_data())
    (event,) = cal.walk("VEVENT")
    assert str(event["summary"]).startswith("Renewal due: TM-000001")
