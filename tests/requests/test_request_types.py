"""Every request type: a complete request passes, each required field is asked for, numbers
are checked against the office's format for the right's kind."""

from __future__ import annotations

import pytest

from forms.requests.registry import REQUEST_TYPES
from portal.extensions import db
from portal.filings.models import Filing
from portal.filings.services import check_filing, save_draft
from tests.requests.conftest import HOLDER, complete_request, complete_requests, start_request

TYPES = sorted(REQUEST_TYPES)
# The fields each type cannot go without (beyond the right's number and the owner).
REQUIRED = {
    "renewal": ["rights-0-expires_on", "rights-0-classes"],
    "annuity": ["rights-0-filed_on", "rights-0-first_year"],
    "change_name_address": ["change", "new_address", "new_country"],
    "assignment": ["transfer_type", "transfer_date", "new_owner-name", "new_owner-address",
                   "new_owner-country", "new_owner-legal_form"],
    "licence": ["exclusivity", "starts_on", "licensee-name", "licensee-address"],
    "security_interest": ["operation", "agreement_date", "creditor-name"],
    "representative": ["operation", "agent_name", "agent_number", "agent_address"],
    "correspondence_address": ["addressee", "address", "country"],
    "extension": ["deadline", "due_on", "months", "reason"],
    "response": ["notification_ref", "notification_date"],
    "examination": ["claims_count"],
    "withdrawal": ["confirm"],
    "surrender": ["confirm"],
    "certified_copy": ["document", "copies"],
    "correction": ["origin", "corrections-0-field", "corrections-0-wrong",
                   "corrections-0-right"],
    "restoration": ["missed_act", "missed_on", "cause_removed_on", "reason", "act_completed"],
    "division": ["classes"],
    "limitation": ["goods-0-class_number", "goods-0-terms"],
}
# Documents a complete request of the type cannot go without.
REQUIRED_DOCUMENTS = {"assignment": "deed", "licence": "deed", "security_interest": "deed",
                      "representative": "power_of_attorney"}


def test_every_type_has_a_complete_example_and_required_list(app):
    assert set(complete_requests()) == set(REQUEST_TYPES) == set(REQUIRED)
    assert len(REQUEST_TYPES) == 18


@pytest.mark.parametrize("code", TYPES)
def test_a_complete_request_passes_the_check(agent, tariff, code):
    filing_id = complete_request(agent, code)
    page = agent.get(f"/filings/{filing_id}/edit?check=1").get_data(as_text=True)
    assert "The request is complete: it can be filed." in page, page[page.find("problems"):][:2000]
    filing = db.session.get(Filing, filing_id)
    assert filing.problems == 0 and filing.filing_type == code
    assert filing.applicant_names == HOLDER["holder-name"]


def _problems(filing_id: int, data: dict) -> dict[str, str]:
    filing = db.session.get(Filing, filing_id)
    save_draft(filing, [[k, v] for k, v in data.items()])
    return {p.field_id: p.message for p in check_filing(filing)}


@pytest.mark.parametrize("code", TYPES)
def test_each_required_field_missing_gives_its_error(agent, tariff, code):
    kind, data, _files = complete_requests()[code]
    filing_id = start_request(agent, code, kind)
    complete = {**HOLDER, **data}
    baseline = _problems(filing_id, complete)
    assert set(baseline) <= {REQUIRED_DOCUMENTS.get(code)}, baseline
    for name in [*REQUIRED[code], "rights-0-number", "holder-name", "holder-address"]:
        problems = _problems(filing_id, {k: v for k, v in complete.items() if k != name})
        field_id = name if name in problems else name.rsplit("-", 1)[0]
        assert field_id in problems or (name == "rights-0-number" and "rights" in problems), (
            name, problems)


@pytest.mark.parametrize("code", TYPES)
def test_a_number_in_the_wrong_format_is_refused(agent, tariff, code):
    kind, data, _files = complete_requests()[code]
    filing_id = start_request(agent, code, kind)
    for wrong in ("12345", "XX/2026/000123", "TM 2026 123"):
        problems = _problems(filing_id, {**HOLDER, **data, "rights-0-number": wrong})
        assert "office's format" in problems["rights-0-number"]


@pytest.mark.parametrize("code, number", [("renewal", "TM/2026/000123"),
                                          ("withdrawal", "TM-012345"),
                                          ("renewal", "PT-001234")])
def test_a_request_needs_its_own_kind_of_number(agent, tariff, code, number):
    """A renewal names a registration, a withdrawal an application, each of the right kind."""
    filing_id = start_request(agent, code, "trademark")
    kind, data, _files = complete_requests()[code]
    problems = _problems(filing_id, {**HOLDER, **data, "rights-0-number": number})
    assert "rights-0-number" in problems


def test_numbers_are_read_as_the_office_writes_them(agent, tariff):
    kind, data, _files = complete_requests()["surrender"]
    filing_id = start_request(agent, "surrender", kind)
    assert _problems(filing_id, {**HOLDER, **data, "rights-0-number": " tm-012345 "}) == {}
    assert db.session.get(Filing, filing_id).title == "TM-012345"


def test_an_office_sets_its_own_number_formats(app, agent, tariff):
    app.config["OFFICE_NUMBER_FORMATS"] = {"trademark": {
        "registration": r"KH/\d{5}/\d{2}", "registration_example": "KH/49999/12"}}
    kind, data, _files = complete_requests()["renewal"]
    filing_id = start_request(agent, "renewal", kind)
    assert _problems(filing_id, {**HOLDER, **data, "rights-0-number": "kh/49999/12"}) == {}
    problems = _problems(filing_id, {**HOLDER, **data})  # TM-012345: the default format
    assert "for example KH/49999/12" in problems["rights-0-number"]
