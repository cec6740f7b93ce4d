"""What the office receives in both scripts: the interchange JSON (and its OpenAPI schema), the
ST.96 XML (language-tagged names and addresses, the mark's transliteration and translation,
still valid against the schemas) and the receipt and acknowledgement."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from payments.models import OrderItem
from portal.extensions import db
from portal.filings.models import Filing
from portal.receipts.render import acknowledgement_applicants, render_html
from portal.receipts.services import acknowledgement_context, receipt_context
from tests.api.conftest import bearer
from tests.api.test_st96 import NS, accept, st96
from tests.filings.conftest import png_bytes

COM = f"{{{NS['com']}}}"
KHMER_NAME, KHMER_ADDRESS = "សុខា ចាន់", "ផ្ទះលេខ ១ ផ្លូវ ៥\nភ្នំពេញ"
MARK = {"reference": "MK-KM", "mark_type": "word", "category": "individual",
        "mark_text": "ផ្កាឈូក", "transliteration": "PHKA CHHUK", "translation": "lotus flower",
        "goods-0-class_number": "30", "goods-0-terms": "tea",
        "applicants-0-address_local": KHMER_ADDRESS,
        "applicants-1-kind": "entity", "applicants-1-name": "Mekong Coffee Co., Ltd.",
        "applicants-1-legal_form": "private limited company",
        "applicants-1-state_of_incorporation": "TH", "applicants-1-address": "99 Sukhumvit Road",
        "applicants-1-country": "TH"}


@pytest.fixture
def config_overrides():
    return {"LOCAL_LANGUAGE": "km", "LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS": True}


def test_a_trademark_in_both_scripts(client, app, agent, tariff, deposit, backoffice):
    filing_id = accept(agent, "trademark", MARK, {})
    body = client.get(f"/api/v1/submissions/{filing_id}", headers=bearer(backoffice)).json
    assert body["local_language"] == "km"
    person, company = [p for p in body["parties"] if p["role"] == "applicant"]
    assert (person["name"], person["name_local"]) == ("Sokha Chan", KHMER_NAME)
    assert person["address_local"] == KHMER_ADDRESS
    assert company["name_local"] in ("", None) and company["address_local"] in ("", None)
    assert (body["data"]["mark_text"], body["data"]["transliteration"],
            body["data"]["translation"]) == ("ផ្កាឈូក", "PHKA CHHUK", "lotus flower")

    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Submission"]
    party = schema["properties"]["parties"]["items"]["properties"]
    assert {"name_local", "address_local"} <= set(party)
    assert schema["properties"]["local_language"]["nullable"] is True

    root = st96(client, backoffice, filing_id, "TrademarkApplication")  # schema-valid
    words = root.find(".//tmk:WordMarkSpecification", NS)
    assert words.findtext("tmk:MarkVerbalElementText", namespaces=NS) == "ផ្កាឈូក"
    assert words.findtext("tmk:MarkTransliteration", namespaces=NS) == "PHKA CHHUK"
    translation = words.find("tmk:MarkTranslationText", NS)
    assert (translation.text, translation.get(f"{COM}languageCode")) == ("lotus flower", "en")

    first, second = root.findall(".//tmk:ApplicantBag/tmk:Applicant", NS)
    local = first.find(".//com:PersonName/com:TransliterationName", NS)
    assert local.text == KHMER_NAME
    assert (local.get(f"{COM}languageCode"),
            local.get(f"{COM}transliterationScriptName")) == ("km", "Khmr")
    latin, khmer = first.findall(".//com:PostalAddress/com:PostalStructuredAddress", NS)
    assert latin.get(f"{COM}languageCode") is None
    assert khmer.get(f"{COM}languageCode") == "km"
    assert [e.text for e in khmer.findall("com:AddressLineText", NS)] == KHMER_ADDRESS.split(
        "\n")
    assert second.find(".//com:TransliterationName", NS) is None
    assert len(second.findall(".//com:PostalStructuredAddress", NS)) == 1


def test_a_designer_in_both_scripts(client, agent, tariff, deposit, backoffice):
    filing_id = accept(agent, "design", {
        "applicants-0-address_local": KHMER_ADDRESS, "reference": "DS-KM",
        "products": "chair", "locarno_class": "6", "locarno_subclass": "01",
        "designs-0-title": "Rattan chair", "designers-0-name": "Lina Sok",
        "designers-0-name_local": "លីណា សុខ", "designers-0-address": "3 Lane, Battambang",
        "designers-0-country": "KH", "designers-0-nationality": "KH",
    }, {"designs-0-views": [(png_bytes(), "chair.png")]})
    body = client.get(f"/api/v1/submissions/{filing_id}", headers=bearer(backoffice)).json
    [designer] = [p for p in body["parties"] if p["role"] == "designer"]
    assert designer["name_local"] == "លីណា សុខ"
    root = st96(client, backoffice, filing_id, "DesignApplication")  # schema-valid
    name = root.find(".//dgn:Designer//com:PersonName/com:TransliterationName", NS)
    assert (name.text, name.get(f"{COM}languageCode")) == ("លីណា សុខ", "km")


def test_without_a_local_language_the_names_are_untagged(client, app, agent, tariff, deposit,
                                                         backoffice):
    app.config["LOCAL_LANGUAGE"] = None
    filing_id = accept(agent, "trademark", MARK, {})
    body = client.get(f"/api/v1/submissions/{filing_id}", headers=bearer(backoffice)).json
    assert body["local_language"] is None
    root = st96(client, backoffice, filing_id, "TrademarkApplication")
    local = root.find(".//tmk:Applicant//com:TransliterationName", NS)
    assert local.text == KHMER_NAME and local.get(f"{COM}languageCode") is None


def test_the_receipt_and_acknowledgement_show_both_scripts(app, agent, tariff, deposit):
    filing_id = accept(agent, "trademark", MARK, {})
    item = db.session.scalar(select(OrderItem).where(OrderItem.filing_id == filing_id))
    filing = db.session.get(Filing, filing_id)
    context = acknowledgement_context(item.order, item, "RCP-2026-000001")
    assert acknowledgement_applicants(context) == [
        {"name": "Sokha Chan", "name_local": KHMER_NAME},
        {"name": "Mekong Coffee Co., Ltd.", "name_local": ""}]
    page = render_html("receipts/acknowledgement.html", context,
                       applicants=acknowledgement_applicants(context))
    assert f'Sokha Chan · <span class="local-name">{KHMER_NAME}</span>' in page
    assert "Mekong Coffee Co., Ltd.<br>" in page or "Mekong Coffee Co., Ltd.</td>" in page
    receipt = render_html("receipts/receipt.html",
                          receipt_context(item.order, "RCP-2026-000001"))
    assert filing.applicant_names in receipt
    assert f'<span class="local-name">{KHMER_NAME}</span>' in receipt
