"""New applications: each kind's form, the check before filing, drafts kept as typed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.filings.models import Filing, FilingStatus, IPKind
from tests.filings.conftest import (
    APPLICANT,
    COMPLETE,
    check,
    complete_draft,
    documents_for,
    save,
    start,
)

PROBLEM = re.compile(r'<li><a href="#([^"]+)">([^<]+)</a></li>')
COMPLETE_TEXT = "The application is complete: it can be filed."


def problems(html: str) -> list[tuple[str, str]]:
    section = html.split('id="problems"', 1)[1].split("</section>", 1)[0]
    return PROBLEM.findall(section)


@pytest.mark.parametrize("kind", list(COMPLETE))
def test_a_complete_draft_passes_the_check(agent, tariff, kind):
    filing_id = complete_draft(agent, kind)
    html = check(agent, filing_id)
    assert COMPLETE_TEXT in html, problems(html)
    filing = db.session.get(Filing, filing_id)
    assert filing.status is FilingStatus.DRAFT and filing.problems == 0
    assert filing.kind is IPKind(kind)


# (kind, key removed from the complete data, id of the field the problem links to, message)
REQUIRED = [
    ("trademark", "mark_type", "mark_type", "This field is required."),
    ("trademark", "mark_text", "mark_text", "Enter the text of the mark."),
    ("trademark", "goods-0-class_number", "goods-0-class_number", "This field is required."),
    ("trademark", "goods-0-terms", "goods-0-terms", "This field is required."),
    ("trademark", "applicants-0-name", "applicants-0-name", "This field is required."),
    ("trademark", "applicants-0-address", "applicants-0-address", "This field is required."),
    ("trademark", "applicants-0-country", "applicants-0-country", "This field is required."),
    ("trademark", "applicants-0-nationality", "applicants-0-nationality",
     "Choose the nationality of the person."),
    ("patent", "title", "title", "This field is required."),
    ("patent", "abstract", "abstract", "This field is required."),
    ("patent", "claims_count", "claims_count", "This field is required."),
    ("patent", "inventors-0-name", "inventors-0-name", "This field is required."),
    ("patent", "inventors-0-country", "inventors-0-country", "This field is required."),
    ("patent", "description_pdf", "description_pdf", "Upload this document."),
    ("patent", "claims_pdf", "claims_pdf", "Upload this document."),
    ("design", "products", "products", "This field is required."),
    ("design", "locarno_class", "locarno_class", "This field is required."),
    ("design", "locarno_subclass", "locarno_subclass", "This field is required."),
    ("design", "designs-0-title", "designs", "Add at least one design."),
    ("design", "designs-0-views", "design:", "Upload at least one view of this design."),
    ("design", "designers-0-name", "designers-0-name", "This field is required."),
    ("utility_model", "title", "title", "This field is required."),
    ("utility_model", "claims_count", "claims_count", "This field is required."),
    ("utility_model", "claims_pdf", "claims_pdf", "Upload this document."),
    ("utility_model", "inventors-0-address", "inventors-0-address", "This field is required."),
]


@pytest.mark.parametrize(("kind", "removed", "target", "message"), REQUIRED)
def test_each_missing_required_field_is_named_and_linked(agent, tariff, kind, removed, target,
                                                         message):
    data = {k: v for k, v in {**COMPLETE[kind], **APPLICANT}.items() if k != removed}
    files = {k: v for k, v in documents_for(kind).items() if k != removed}
    filing_id = start(agent, kind)
    save(agent, filing_id, data, files=files)
    found = problems(check(agent, filing_id))
    assert any(t.startswith(target) and message in text for t, text in found), found
    assert db.session.get(Filing, filing_id).problems >= 1


@pytest.mark.parametrize(("kind", "changes", "target", "message"), [
    ("trademark", {"mark_type": "colour", "colours": ""}, "colours", "Name the colours claimed."),
    ("trademark", {"mark_type": "figurative"}, "mark_image", "Upload this document."),
    ("trademark", {"mark_type": "sound"}, "sound_file", "Upload this document."),
    ("trademark", {"mark_type": "sound"}, "description", "Describe the mark."),
    ("trademark", {"mark_text": "មេគង្គ"}, "transliteration", "enter its transliteration"),
    ("trademark", {"goods-1-class_number": "30", "goods-1-terms": "sugar"}, "goods",
     "Each class may appear only once"),
    ("trademark", {"applicants-0-kind": "entity", "applicants-0-legal_form": ""},
     "applicants-0-legal_form", "Enter the legal form of the entity."),
    ("patent", {"pct": "y"}, "pct_number", "Enter the international application number."),
    ("patent", {"pct": "y", "pct_number": "PCT/KH25/1"}, "pct_number", "PCT/KH2025/000123"),
    ("patent", {"ipc": "A61K 31/00; banana"}, "ipc", "Not an IPC symbol: banana"),
    ("patent", {"claims_count": "zero"}, "claims_count", "Enter a whole number"),
    ("patent", {"deposit": "y"}, "deposit_number", "Enter the accession number."),
    ("utility_model", {"claims_count": "11"}, "claims_count", "at most 10 claims"),
    ("design", {"locarno_subclass": "1a"}, "locarno_subclass", "two digits"),
    ("design", {"deferment": "y", "deferment_months": "99"}, "deferment_months",
     "Choose a deferment from 1 to 30 months."),
    ("trademark", {"priorities-0-office": "US", "priorities-0-filed_on": "2020-01-15",
                   "priorities-0-number": "97/123456"}, "priorities-0-filed_on",
     "The priority period of 6 months ended"),
    ("patent", {"priorities-0-office": "EP", "priorities-0-filed_on": "2999-01-01",
                "priorities-0-number": "EP1"}, "priorities-0-filed_on", "cannot be in the future"),
    ("trademark", {"priorities-0-office": "US", "priorities-0-number": "97/1"},
     "priorities-0-filed_on", "This field is required."),
])
def test_conditional_rules(agent, tariff, kind, changes, target, message):
    filing_id = start(agent, kind)
    save(agent, filing_id, {**COMPLETE[kind], **APPLICANT, **changes},
         files=documents_for(kind))
    found = problems(check(agent, filing_id))
    assert any(t == target and message in text for t, text in found), found


def test_a_priority_within_the_period_is_accepted(agent, tariff):
    from datetime import timedelta

    from portal.filings.services import office_today

    recent = (office_today() - timedelta(days=30)).isoformat()
    filing_id = start(agent, "patent")
    save(agent, filing_id, {**COMPLETE["patent"], **APPLICANT, "priorities-0-office": "JP",
                            "priorities-0-filed_on": recent, "priorities-0-number": "2026-1"},
         files=documents_for("patent"))
    assert COMPLETE_TEXT in check(agent, filing_id)


def test_a_draft_keeps_exactly_what_was_typed_even_when_invalid(agent, tariff):
    filing_id = start(agent, "patent")
    data = {"title": "Half-typed title", "claims_count": "twelve",
            "priorities-0-filed_on": "2026-02-31", "applicants-0-name": "Ann Lee",
            "applicants-1-name": "Bo Chen"}
    assert save(agent, filing_id, data).status_code == 302
    html = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert 'value="Half-typed title"' in html
    assert 'value="twelve"' in html
    assert 'value="2026-02-31"' in html
    assert 'value="Ann Lee"' in html and 'value="Bo Chen"' in html
    filing = db.session.get(Filing, filing_id)
    assert filing.title == "Half-typed title"
    assert filing.applicant_names == "Ann Lee; Bo Chen"


def test_add_and_remove_entries_without_losing_the_others(agent, tariff):
    filing_id = start(agent, "trademark")
    data = {**COMPLETE["trademark"], "applicants-0-name": "First",
            "applicants-1-name": "Second", "applicants-2-name": "Third"}
    save(agent, filing_id, data, action="add:goods")
    html = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert 'name="goods-1-class_number"' in html
    save(agent, filing_id, data, action="remove:applicants-1")
    html = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert 'value="First"' in html and 'value="Third"' in html and "Second" not in html
    assert 'name="applicants-1-name"' in html and 'name="applicants-2-name"' not in html


def test_drafts_are_listed_with_their_completeness(agent, tariff):
    ready = complete_draft(agent, "trademark")
    unfinished = start(agent, "patent")
    save(agent, unfinished, {"title": "Unfinished invention"})
    html = agent.get("/filings/drafts").get_data(as_text=True)
    assert "MEKONG GOLD" in html and "Unfinished invention" in html
    assert "Ready to file" in html
    assert re.search(r"\d+ problems to fix", html)
    assert f"/filings/{ready}/edit" in html


def test_copy_makes_a_new_draft_with_the_data_and_documents(agent, tariff):
    original = complete_draft(agent, "design")
    r = agent.submit(f"/filings/{original}/copy", page="/filings/drafts")
    copy_id = int(re.search(r"/filings/(\d+)/edit", r.headers["Location"]).group(1))
    assert copy_id != original
    copy = db.session.get(Filing, copy_id)
    assert copy.copied_from_id == original and copy.title == "chair; armchair"
    assert len(copy.documents) == 1
    first = db.session.get(Filing, original).documents[0]
    assert copy.documents[0].sha256 == first.sha256
    assert copy.documents[0].storage_key != first.storage_key
    assert COMPLETE_TEXT in check(agent, copy_id)


def test_delete_removes_the_draft_and_its_files(agent, tariff, app):
    from portal.documents.storage import get_storage

    filing_id = complete_draft(agent, "patent")
    keys = [d.storage_key for d in db.session.get(Filing, filing_id).documents]
    r = agent.submit(f"/filings/{filing_id}/delete", page="/filings/drafts")
    assert r.status_code == 302
    assert db.session.get(Filing, filing_id) is None
    assert agent.get(f"/filings/{filing_id}/edit").status_code == 404
    with app.app_context():
        assert not any(get_storage().exists(k) for k in keys)


def test_new_filing_page_lists_the_four_kinds_with_their_base_fee(agent, tariff):
    html = agent.get("/filings/new").get_data(as_text=True)
    for label in ("Trademark", "Patent", "Industrial design", "Utility model"):
        assert f"<h2>{label}</h2>" in html
    assert html.count("Basic fee:") == 4


def test_office_staff_cannot_open_filing_pages(app, users):
    from tests.conftest import Browser

    staff = Browser(app.test_client())
    staff.login("staff@example.org")
    assert staff.get("/filings/new").status_code == 404
    assert staff.get("/filings/drafts").status_code == 404


def test_drafts_are_stored_once_per_save(agent, tariff):
    filing_id = start(agent, "trademark")
    for _ in range(3):
        save(agent, filing_id, {**COMPLETE["trademark"], **APPLICANT})
    assert len(db.session.scalars(select(Filing)).all()) == 1


def test_calculate_fees_takes_a_filing(agent, tariff):
    from payments.fees import calculate_fees

    filing_id = start(agent, "trademark")
    save(agent, filing_id, {**COMPLETE["trademark"], "goods-1-class_number": "31",
                            "goods-1-terms": "rice", "goods-2-class_number": "32",
                            "goods-2-terms": "beer"})
    quote = calculate_fees(db.session.get(Filing, filing_id))
    assert [(line.code, line.quantity) for line in quote.lines] == [("TM-APP", 1),
                                                                    ("TM-CLASS", 2)]
    assert quote.total == sum(line.amount for line in quote.lines)


def test_a_new_draft_starts_with_the_forms_defaults(agent, tariff):
    filing_id = start(agent, "trademark")
    html = check(agent, filing_id)
    found = problems(html)
    assert not any(target == "category" for target, _ in found), found
    assert any(target == "mark_type" for target, _ in found)
