"""Request fees from the form (per right, late surcharges from the dates), and forms filled in
from a right filed through the portal."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from wtforms.validators import ValidationError

from forms.requests.base import check_numbers, late_months, split_numbers
from payments.fees import calculate_fees, office_today
from portal.extensions import db
from portal.filings.models import Filing, FilingStatus
from portal.filings.services import stored_form
from portal.timeutil import utcnow
from tests.filings.conftest import complete_draft, save
from tests.requests.conftest import HOLDER, start_request


def lines(filing_id: int) -> dict[str, tuple[int, Decimal]]:
    quote = calculate_fees(db.session.get(Filing, filing_id))
    return {line.code: (line.quantity, line.amount) for line in quote.lines}


def test_late_months_count_each_month_begun():
    due = date(2026, 3, 31)
    assert late_months(due, date(2026, 3, 31)) == 0
    assert late_months(due, date(2026, 4, 1)) == 1
    assert late_months(due, date(2026, 4, 30)) == 1  # 31 March + 1 month = 30 April
    assert late_months(due, date(2026, 5, 1)) == 2
    assert late_months(due, date(2026, 9, 30)) == 6
    assert late_months(None, date(2026, 9, 30)) == 0


def test_a_late_renewal_computes_its_surcharge_from_the_expiry(agent, tariff):
    today = office_today()
    expired = today - relativedelta(months=2) - timedelta(days=10)  # 3 months begun
    filing_id = start_request(agent, "renewal", "trademark")
    data = {**HOLDER, "rights-0-number": "TM-000001", "rights-0-expires_on": expired.isoformat(),
            "rights-0-classes": "9, 35, 42",
            "rights-1-number": "TM-000002",
            "rights-1-expires_on": (today + timedelta(days=30)).isoformat(),
            "rights-1-classes": "9"}
    save(agent, filing_id, data)
    assert db.session.get(Filing, filing_id).problems == 0
    assert lines(filing_id) == {"TM-REN": (2, Decimal("800000.00")),
                                "TM-REN-CLASS": (2, Decimal("800000.00")),
                                "TM-REN-LATE": (3, Decimal("150000.00"))}


def test_renewal_outside_its_window_is_refused(agent, tariff):
    today = office_today()
    filing_id = start_request(agent, "renewal", "design")
    for expiry, message in [(today - relativedelta(months=6, days=3), "grace period ended"),
                            (today + relativedelta(months=7), "can be requested from")]:
        save(agent, filing_id, {**HOLDER, "rights-0-number": "ID-000001",
                                "rights-0-expires_on": expiry.isoformat(),
                                "rights-0-designs": "1"})
        page = agent.get(f"/filings/{filing_id}/edit?check=1").get_data(as_text=True)
        assert message in page


def test_annual_fees_for_several_years_with_a_late_one(agent, tariff):
    today = office_today()
    filed = today - relativedelta(years=4, months=1)  # year 5 fell due a month ago
    filing_id = start_request(agent, "annuity", "patent")
    save(agent, filing_id, {**HOLDER, "rights-0-number": "PT-000001",
                            "rights-0-filed_on": filed.isoformat(), "rights-0-first_year": "5",
                            "rights-0-last_year": "7"})
    assert db.session.get(Filing, filing_id).problems == 0
    assert lines(filing_id) == {"PT-ANN-2": (1, Decimal("200000.00")),
                                "PT-ANN-LATE": (1, Decimal("40000.00")),
                                "PT-ANN-6": (2, Decimal("800000.00"))}
    save(agent, filing_id, {**HOLDER, "rights-0-number": "PT-000001",
                            "rights-0-filed_on": (filed - relativedelta(years=1)).isoformat(),
                            "rights-0-first_year": "5", "rights-0-last_year": "25"})
    page = agent.get(f"/filings/{filing_id}/edit?check=1").get_data(as_text=True)
    assert "request restoration of the right instead" in page
    assert "Enter a year from 5 to 20." in page


def test_live_fee_preview_of_a_request(agent, tariff):
    filing_id = start_request(agent, "certified_copy", "trademark")
    r = agent.submit(f"/filings/{filing_id}/fees", {
        "rights-0-number": "TM-000001", "rights-1-number": "TM-000002", "copies": "2",
        "certified": "certified", "delivery": "post", "document": "extract"},
        page=f"/filings/{filing_id}/edit")
    body = r.get_json()
    assert [(li["code"], li["quantity"]) for li in body["lines"]] == [
        ("CC-COPY", 4), ("CC-CERT", 2), ("CC-POST", 2)]
    assert body["total"] == "180000.00"


def registered(web, *, office_number="TM/2025/000777", registration="TM-000777",
               expires: date | None = None) -> Filing:
    """A trademark filed through the portal, since numbered and registered by the office."""
    filing = db.session.get(Filing, complete_draft(web, "trademark"))
    filing.status, filing.accepted_at = FilingStatus.ACCEPTED, utcnow()
    filing.portal_number = f"EF-TM-2026-{filing.id:06d}"
    filing.office_number, filing.registration_number = office_number, registration
    filing.expires_on = expires
    db.session.commit()
    return filing


def test_a_request_about_a_portal_filing_is_prefilled(agent, tariff):
    expires = office_today() + timedelta(days=45)
    filing = registered(agent, expires=expires)
    page = agent.get(f"/filings/{filing.id}").get_data(as_text=True)
    assert "Requests about this right" in page
    assert "/requests/new/renewal?kind=trademark&amp;number=TM-000777" in page
    assert "/requests/new/withdrawal?kind=trademark&amp;number=TM/2025/000777" in page

    request_id = start_request(agent, "renewal", "trademark", "tm-000777")
    form = stored_form(db.session.get(Filing, request_id))
    right = form.rights.entries[0].form
    assert (right.number.data, right.expires_on.data, right.classes.data) == (
        "TM-000777", expires, "30")
    assert form.holder.form.name.data == "Sokha Chan"
    assert form.holder.form.country.data == "KH"
    assert db.session.get(Filing, request_id).problems == 0

    limitation = stored_form(db.session.get(Filing, start_request(
        agent, "limitation", "trademark", "TM/2025/000777")))
    assert [(e.form.class_number.data, e.form.terms.data) for e in limitation.goods.entries] \
        == [("30", "coffee; tea; cocoa")]


def test_fill_in_a_line_from_its_number(agent, tariff):
    registered(agent, registration="TM-000888", office_number="TM/2025/000888",
               expires=office_today() + timedelta(days=20))
    filing_id = start_request(agent, "renewal", "trademark")
    r = save(agent, filing_id, {"rights-0-number": "TM-000888"}, action="lookup:rights-0")
    assert r.status_code == 302
    form = stored_form(db.session.get(Filing, filing_id))
    assert form.rights.entries[0].form.classes.data == "30"
    assert form.holder.form.name.data == "Sokha Chan"
    unknown = save(agent, filing_id, {"rights-0-number": "TM-000999"},
                   action="lookup:rights-0", )
    assert unknown.status_code == 302
    page = agent.get(unknown.headers["Location"]).get_data(as_text=True)
    assert "not one the portal knows" in page


def test_another_users_rights_are_not_prefilled(agent, applicant, tariff):
    registered(applicant, registration="TM-000555", office_number="TM/2025/000555")
    filing_id = start_request(agent, "renewal", "trademark", "TM-000555")
    form = stored_form(db.session.get(Filing, filing_id))
    assert form.rights.entries[0].form.number.data == "TM-000555"
    assert not form.holder.form.name.data
    assert not form.rights.entries[0].form.classes.data


def test_csv_lines_of_known_rights_are_completed(agent, tariff):
    registered(agent, registration="TM-000101", office_number="TM/2025/000101",
               expires=office_today() + timedelta(days=40))
    filing_id = start_request(agent, "renewal", "trademark")
    page = save(agent, filing_id, {"bulk": "TM-000101\nTM-000102"},
                action="import:rights").get_data(as_text=True)
    assert "1 right was added to the list." in page
    form = stored_form(db.session.get(Filing, filing_id))
    assert form.right_numbers() == ["TM-000101"]
    assert form.holder.form.name.data == "Sokha Chan"
    assert form.bulk.data == "TM-000102"


@pytest.mark.parametrize(("text", "numbers"), [
    ("9, 35 42", [9, 35, 42]), ("9;35;9", [9, 35]), ("٩، ٣٥", [9, 35]), ("១០, ៤៥", [10, 45]),
    ("", []), ("9,,", [9])])
def test_class_numbers_in_any_script(text, numbers):
    assert split_numbers(text) == numbers
    check_numbers(text, 1, 45, "bad")  # no error


@pytest.mark.parametrize("text", ["46", "0", "9, x", "²", "9.5"])
def test_bad_class_numbers(text):
    with pytest.raises(ValidationError):
        check_numbers(text, 1, 45, "bad")
