"""Names and addresses in the office's local script: required of the office's nationals when
the office says so, checked to be in the local language's script, named after the language;
the same on the page's check, in the API and in the requests that carry a new party."""

from __future__ import annotations

import html

import pytest
from werkzeug.datastructures import MultiDict

from forms.requests.registry import request_form
from portal.extensions import db
from portal.filings.models import Filing
from portal.filings.services import check_filing
from portal.local_script import checks_script, in_script, local_language, script_of
from portal.office.models import Office
from tests.api.test_filings_api import personal
from tests.filings.conftest import COMPLETE, save, start

KH_PERSON = {"applicants-0-kind": "person", "applicants-0-name": "Sokha Chan",
             "applicants-0-address": "1 Street, Phnom Penh", "applicants-0-country": "KH",
             "applicants-0-nationality": "KH", "fee_category": "standard"}
KHMER_NAME, KHMER_ADDRESS = "សុខា ចាន់", "ផ្ទះលេខ ១ ផ្លូវ ភ្នំពេញ"
NAME_MISSING = "Give the name in Khmer too: the office requires it for its nationals."
ADDRESS_MISSING = "Give the address in Khmer too: the office requires it for its nationals."
NOT_KHMER = "Write this in Khmer script: the version in Latin letters has its own field."


@pytest.fixture
def config_overrides():
    return {"LOCAL_LANGUAGE": "km", "LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS": True}


def draft(web, data: dict, kind: str = "trademark") -> Filing:
    filing_id = start(web, kind)
    r = save(web, filing_id, {**COMPLETE[kind], **data})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return db.session.get(Filing, filing_id)


def problems(filing: Filing) -> dict[str, str]:
    return {p.field_id: p.message for p in check_filing(filing)}


def local_problems(filing: Filing) -> dict[str, str]:
    """The problems of local-script fields (a patent also misses its documents here)."""
    return {k: v for k, v in problems(filing).items() if k.endswith("_local")}


def check_page(web, filing: Filing) -> str:
    return html.unescape(web.get(f"/filings/{filing.id}/edit?check=1").get_data(as_text=True))


# --- the web form and its check -----------------------------------------------------------------

def test_a_national_must_give_name_and_address_in_khmer(agent, tariff):
    filing = draft(agent, KH_PERSON)
    assert problems(filing) == {"applicants-0-name_local": NAME_MISSING,
                                "applicants-0-address_local": ADDRESS_MISSING}
    assert filing.problems == 2  # what the drafts list and the cart count
    page = check_page(agent, filing)
    # the problem list links to the field, labelled with the language
    assert (f'<a href="#applicants-0-name_local">Applicants 1: Name in Khmer: {NAME_MISSING}'
            in page)
    assert '<a href="#applicants-0-address_local">Applicants 1: Address in Khmer:' in page
    # the field shows its error, and everything typed is still there
    assert f'id="applicants-0-name_local-error">{NAME_MISSING}' in page
    assert 'value="Sokha Chan"' in page and "1 Street, Phnom Penh" in page
    assert 'value="MEKONG GOLD"' in page

    draft_with_both = draft(agent, {**KH_PERSON, "applicants-0-name_local": KHMER_NAME,
                                    "applicants-0-address_local": KHMER_ADDRESS})
    assert problems(draft_with_both) == {}


def test_the_message_names_the_language_in_the_readers_language(agent, tariff, users):
    users["agent"].locale = "fr"
    db.session.commit()
    filing = draft(agent, KH_PERSON)
    page = check_page(agent, filing)
    # Babel names Khmer in French ("khmer"): never the English name in a French page
    assert "Name in khmer" in page or "Nom en khmer" in page
    assert "Khmer" not in page.split('id="problems"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("data", [
    {"applicants-0-nationality": "TH"},  # a foreign person
    {"applicants-0-kind": "entity", "applicants-0-legal_form": "limited company",
     "applicants-0-state_of_incorporation": "TH"},  # a foreign entity (its stale nationality
])                                                  # as a person does not count)
def test_not_required_of_a_foreigner(agent, tariff, data):
    assert problems(draft(agent, {**KH_PERSON, **data})) == {}


def test_an_entity_incorporated_in_the_country_is_a_national(agent, tariff):
    filing = draft(agent, {**KH_PERSON, "applicants-0-kind": "entity",
                           "applicants-0-nationality": "", "applicants-0-legal_form": "SA",
                           "applicants-0-state_of_incorporation": "KH"})
    assert set(problems(filing)) == {"applicants-0-name_local", "applicants-0-address_local"}


def test_not_required_when_the_office_does_not_require_it(app, agent, tariff):
    app.config["LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS"] = False
    assert problems(draft(agent, KH_PERSON)) == {}


def test_inventors_and_designers_who_are_nationals_give_their_name(agent, tariff):
    local = {"applicants-0-name_local": KHMER_NAME, "applicants-0-address_local": KHMER_ADDRESS}
    patent = draft(agent, {**KH_PERSON, **local}, "patent")  # inventor Dara Pich, KH
    assert local_problems(patent) == {"inventors-0-name_local": NAME_MISSING}
    design = draft(agent, {**KH_PERSON, **local, "designers-0-nationality": "KH"}, "design")
    assert local_problems(design) == {"designers-0-name_local": NAME_MISSING}
    design = draft(agent, {**KH_PERSON, **local, "designers-0-nationality": "FR"}, "design")
    assert local_problems(design) == {}


@pytest.mark.parametrize(("typed", "refused"), [
    ("Sokha Chan", True),  # Latin letters in the Khmer field
    ("สมชาย", True),  # Thai is not Khmer either
    (KHMER_NAME, False),
    ("ក្រុមហ៊ុន ABC", False),  # a Khmer name with a Latin brand in it
])
def test_the_local_field_must_be_in_the_local_script(agent, tariff, typed, refused):
    filing = draft(agent, {**KH_PERSON, "applicants-0-nationality": "TH",
                           "applicants-0-name_local": typed,
                           "applicants-0-address_local": "១២"})  # digits: no letters to check
    assert problems(filing) == ({"applicants-0-name_local": NOT_KHMER} if refused else {})


def test_vietnamese_is_latin_script_and_is_not_checked(app, agent, tariff):
    app.config["LOCAL_LANGUAGE"] = "vi"
    filing = draft(agent, {**KH_PERSON, "applicants-0-nationality": "VN",
                           "applicants-0-name_local": "Nguyễn Văn An"})
    assert problems(filing) == {}
    assert not checks_script("vi") and checks_script("lo") and checks_script("ar")
    app.config["LOCAL_LANGUAGE"] = "lo"
    filing = draft(agent, {**KH_PERSON, "applicants-0-nationality": "TH",
                           "applicants-0-name_local": KHMER_NAME})
    assert problems(filing) == {"applicants-0-name_local": (
        "Write this in Lao script: the version in Latin letters has its own field.")}
    assert "Name in Lao" in check_page(agent, filing)


def test_the_local_language_defaults_to_the_offices_language(app, agent, tariff):
    app.config["LOCAL_LANGUAGE"] = None
    office = db.session.scalar(db.select(Office))
    assert office.default_locale == "en"
    with app.test_request_context():
        assert local_language() is None
    filing = draft(agent, {**KH_PERSON, "applicants-0-name_local": "Sokha Chan",
                           "applicants-0-address_local": "Latin is fine without a language"})
    assert problems(filing) == {}  # required, given; no script to check against
    page = check_page(agent, filing)
    assert "Name in the local script" in page

    office.default_locale = "km"
    db.session.commit()
    with app.test_request_context():
        assert local_language() == "km"
    assert problems(filing) == {"applicants-0-name_local": NOT_KHMER,
                                "applicants-0-address_local": NOT_KHMER}
    assert "Name in Khmer" in check_page(agent, filing)


def test_a_required_name_without_a_local_language_says_local_script(app, agent, tariff):
    app.config["LOCAL_LANGUAGE"] = None
    assert problems(draft(agent, KH_PERSON))["applicants-0-name_local"] == (
        "Give the name in the local script too: the office requires it for its nationals.")


def test_scripts_of_languages():
    assert [script_of(c) for c in ("km", "lo", "vi", "ar", "lo_LA", "en")] == [
        "Khmr", "Laoo", "Latn", "Arab", "Laoo", "Latn"]
    assert in_script("سوخا", "Arab") and not in_script("Sokha", "Arab")
    assert in_script("— 12 —", "Khmr")  # no letters: nothing to judge


# --- the API ------------------------------------------------------------------------------------

def test_the_api_gets_the_same_field_errors(client, users, tariff):
    headers = personal(users["agent"])
    applicant = {"kind": "person", "name": "Sokha Chan", "address": "1 Street, Phnom Penh",
                 "country": "KH", "nationality": "KH"}
    data = {"reference": "MK-API", "mark_type": "word", "category": "individual",
            "mark_text": "MEKONG GOLD", "translation": "no meaning",
            "goods": [{"class_number": "30", "terms": "coffee"}], "applicants": [applicant]}
    created = client.post("/api/v1/filings", json={"kind": "trademark", "type": "application",
                                                   "data": data}, headers=headers)
    assert created.status_code == 201, created.json
    filing_id = created.json["id"]
    check = client.get(f"/api/v1/filings/{filing_id}/check", headers=headers).json
    assert not check["ready"]
    assert {(p["field"], p["message"]) for p in check["problems"]} == {
        ("applicants-0-name_local", NAME_MISSING),
        ("applicants-0-address_local", ADDRESS_MISSING)}
    refused = client.post("/api/v1/cart/items", json={"filing_id": filing_id},
                          headers=headers)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "not_ready"
    assert {p["field"] for p in refused.json["error"]["problems"]} == {
        "applicants-0-name_local", "applicants-0-address_local"}

    latin = client.patch(f"/api/v1/filings/{filing_id}", headers=headers, json={"data": {
        "applicants": [{**applicant, "name_local": "Sokha Chan",
                        "address_local": KHMER_ADDRESS}]}})
    assert latin.status_code == 200
    check = client.get(f"/api/v1/filings/{filing_id}/check", headers=headers).json
    assert [(p["field"], p["message"]) for p in check["problems"]] == [
        ("applicants-0-name_local", NOT_KHMER)]
    client.patch(f"/api/v1/filings/{filing_id}", headers=headers, json={"data": {
        "applicants": [{**applicant, "name_local": KHMER_NAME,
                        "address_local": KHMER_ADDRESS}]}})
    added = client.post("/api/v1/cart/items", json={"filing_id": filing_id}, headers=headers)
    assert added.status_code == 201, added.json


# --- requests that carry a new party ------------------------------------------------------------

def request_errors(app, code: str, kind: str, data: dict) -> dict:
    with app.test_request_context():
        form = request_form(code, kind)(formdata=MultiDict(data), meta={"csrf": False})
        form.validate()
        return {fid: message for fid, _label, message in form.error_list()}


NEW_OWNER = {"new_owner-kind": "person", "new_owner-name": "Dara Sok",
             "new_owner-address": "9 Road, Phnom Penh", "new_owner-country": "KH",
             "new_owner-nationality": "KH"}


def test_a_new_owner_who_is_a_national_gives_the_local_name(app, tariff):
    errors = request_errors(app, "assignment", "trademark", NEW_OWNER)
    assert errors["new_owner-name_local"] == NAME_MISSING
    assert errors["new_owner-address_local"] == ADDRESS_MISSING
    errors = request_errors(app, "assignment", "trademark",
                            {**NEW_OWNER, "new_owner-nationality": "JP"})
    assert "new_owner-name_local" not in errors and "new_owner-address_local" not in errors
    errors = request_errors(app, "licence", "patent", {
        "licensee-kind": "entity", "licensee-name": "Angkor Co.", "licensee-legal_form": "SA",
        "licensee-state_of_incorporation": "KH", "licensee-address": "1 Road",
        "licensee-country": "KH"})
    assert errors["licensee-name_local"] == NAME_MISSING


def test_local_fields_of_requests_are_in_the_local_script(app, tariff):
    errors = request_errors(app, "change_name_address", "trademark", {
        "holder-name": "Sokha Chan", "holder-name_local": "Sokha", "change": "both",
        "new_name": "Sokha Chan Kim", "new_name_local": "Sokha Chan Kim",
        "new_address": "2 Road", "new_address_local": KHMER_ADDRESS, "new_country": "KH"})
    assert errors["holder-name_local"] == NOT_KHMER
    assert errors["new_name_local"] == NOT_KHMER
    assert "new_address_local" not in errors
