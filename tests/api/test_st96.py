"""WIPO ST.96 XML of accepted trademark and design applications, validated against the shipped
schemas, with the filing's values in the right elements."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import xmlschema

from portal.api.models import create_client
from portal.extensions import db
from portal.filings.models import Filing
from portal.timeutil import utcnow
from tests.api.conftest import accept_filings, bearer
from tests.filings.conftest import APPLICANT, png_bytes, start
from tests.orders.conftest import checkout

SCHEMAS = Path(__file__).resolve().parents[2] / "portal" / "data" / "st96"
NS = {"com": "http://www.wipo.int/standards/XMLSchema/ST96/Common",
      "tmk": "http://www.wipo.int/standards/XMLSchema/ST96/Trademark",
      "dgn": "http://www.wipo.int/standards/XMLSchema/ST96/Design"}
SECOND_APPLICANT = {
    "applicants-1-kind": "entity", "applicants-1-name": "Mekong Coffee Co., Ltd.",
    "applicants-1-legal_form": "private limited company",
    "applicants-1-state_of_incorporation": "TH",
    "applicants-1-address": "99 Sukhumvit Road\nBangkok 10110", "applicants-1-country": "TH",
    "applicants-1-email": "legal@mekong-coffee.example",
}


@cache
def schema(name: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / f"{name}_V6_0.xsd"))


def accept(web, kind: str, data: dict, files: dict) -> int:
    """A complete draft of `kind`, paid from the deposit account: an accepted filing."""
    filing_id = start(web, kind)
    payload = {**APPLICANT, **data, "action": "save"}
    for name, uploads in files.items():
        payload[name] = [(io.BytesIO(content), filename) for content, filename in uploads]
    r = web.submit(f"/filings/{filing_id}/edit", payload, page=f"/filings/{filing_id}/edit",
                   content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    r = web.submit(f"/cart/add/{filing_id}", page=f"/filings/{filing_id}/edit")
    assert r.status_code == 302 and r.headers["Location"].endswith("/cart")
    assert checkout(web, "deposit_account").status_code == 302
    return filing_id


def st96(client, token: str, filing_id: int, name: str) -> ET.Element:
    r = client.get(f"/api/v1/submissions/{filing_id}?format=st96", headers=bearer(token))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/xml"
    body = r.get_data()
    schema(name).validate(body)
    return ET.fromstring(body)


def texts(element: ET.Element, path: str) -> list[str]:
    return [e.text for e in element.findall(path, NS)]


def filing_day(filing_id: int) -> str:
    filing = db.session.get(Filing, filing_id)
    return filing.accepted_at.astimezone(ZoneInfo("Asia/Phnom_Penh")).date().isoformat()


def test_a_trademark_application_as_st96(client, agent, tariff, deposit, backoffice):
    earlier = (utcnow() - timedelta(days=40)).date()
    filing_id = accept(agent, "trademark", {
        **SECOND_APPLICANT,
        "reference": "MK-002", "mark_type": "combined", "category": "collective",
        "mark_text": "MEKONG GOLD", "translation": "no meaning",
        "colours": "gold (Pantone 871 C), brown", "disclaimer": "GOLD",
        "goods-0-class_number": "30", "goods-0-terms": "coffee; tea; cocoa",
        "goods-1-class_number": "43", "goods-1-terms": "café services;\nrestaurant services",
        "priorities-0-office": "TH", "priorities-0-filed_on": earlier.isoformat(),
        "priorities-0-number": "TH-2026-0815",
    }, {"mark_image": [(png_bytes((120, 80)), "mekong-gold.png")]})
    root = st96(client, backoffice, filing_id, "TrademarkApplication")
    filing = db.session.get(Filing, filing_id)

    assert root.tag == f"{{{NS['tmk']}}}TrademarkApplication"
    assert root.get(f"{{{NS['com']}}}st96Version") == "V6_0"
    mark = root.find("tmk:TrademarkBag/tmk:Trademark", NS)
    assert texts(mark, "com:ApplicationNumber/com:ApplicationNumberText") == [
        filing.portal_number]
    assert mark.findtext("com:ApplicationDate", namespaces=NS) == filing_day(filing_id)
    assert mark.findtext("com:RegistrationOfficeCode", namespaces=NS) == "KH"
    assert mark.findtext("com:ApplicantFileReference", namespaces=NS) == "MK-002"
    assert mark.findtext("tmk:MarkCategory", namespaces=NS) == "Collective mark"

    shown = mark.find("tmk:MarkRepresentation", NS)
    assert shown.findtext("tmk:MarkFeatureCategory", namespaces=NS) == "Combined"
    words = shown.find("tmk:MarkReproduction/tmk:WordMarkSpecification", NS)
    assert words.findtext("tmk:MarkVerbalElementText", namespaces=NS) == "MEKONG GOLD"
    assert words.findtext("tmk:MarkTranslationText", namespaces=NS) == "no meaning"
    image = shown.find("tmk:MarkReproduction/tmk:MarkImageBag/tmk:MarkImage", NS)
    assert image.findtext("com:FileName", namespaces=NS) == "mekong-gold.png"
    assert image.findtext("com:ImageFormatCategory", namespaces=NS) == "PNG"
    assert image.findtext("tmk:MarkImageColourClaimedText",
                          namespaces=NS) == "gold (Pantone 871 C), brown"
    assert (image.findtext("com:WidthMeasure", namespaces=NS),
            image.findtext("com:HeightMeasure", namespaces=NS)) == ("120", "80")
    assert texts(mark, "tmk:MarkDisclaimerBag/tmk:MarkDisclaimerText") == ["GOLD"]

    goods = mark.find("tmk:GoodsServicesBag/tmk:GoodsServices", NS)
    assert texts(goods, ".//tmk:GoodsServicesClassification/tmk:ClassNumber") == ["30", "43"]
    assert set(texts(goods, ".//tmk:GoodsServicesClassification/tmk:ClassificationKindCode")) \
        == {"Nice"}
    classes = goods.findall("tmk:ClassDescriptionBag/tmk:ClassDescription", NS)
    assert [c.findtext("tmk:ClassNumber", namespaces=NS) for c in classes] == ["30", "43"]
    assert texts(classes[0], ".//tmk:ClassificationTermText") == ["coffee", "tea", "cocoa"]
    assert texts(classes[1], ".//tmk:ClassificationTermText") == ["café services",
                                                                  "restaurant services"]

    priority = mark.find("tmk:PriorityBag/tmk:Priority", NS)
    assert priority.findtext("com:PriorityCountryCode", namespaces=NS) == "TH"
    assert priority.findtext("com:ApplicationNumber/com:ApplicationNumberText",
                             namespaces=NS) == "TH-2026-0815"
    assert priority.findtext("com:PriorityApplicationFilingDate",
                             namespaces=NS) == earlier.isoformat()

    person, company = mark.findall("tmk:ApplicantBag/tmk:Applicant", NS)
    assert person.findtext(".//com:PersonName/com:PersonFullName", namespaces=NS) == "Sokha Chan"
    assert person.findtext(".//com:PersonName/com:TransliterationName",
                           namespaces=NS) == "សុខា ចាន់"
    assert texts(person, ".//com:PostalStructuredAddress/com:AddressLineText") == [
        "1 Street, Phnom Penh"]
    assert person.findtext(".//com:PostalStructuredAddress/com:CountryCode",
                           namespaces=NS) == "KH"
    assert person.findtext("com:NationalityCode", namespaces=NS) == "KH"
    assert company.findtext(".//com:OrganizationName/com:OrganizationStandardName",
                            namespaces=NS) == "Mekong Coffee Co., Ltd."
    assert texts(company, ".//com:PostalStructuredAddress/com:AddressLineText") == [
        "99 Sukhumvit Road", "Bangkok 10110"]
    assert company.findtext(".//com:PostalStructuredAddress/com:CountryCode",
                            namespaces=NS) == "TH"
    assert company.findtext("com:IncorporationCountryCode", namespaces=NS) == "TH"
    assert company.findtext(".//com:EmailAddressText",
                            namespaces=NS) == "legal@mekong-coffee.example"

    agent_ = mark.find("com:RepresentativeBag/com:Representative", NS)
    assert agent_.findtext("com:PartyIdentifier", namespaces=NS) == "KH-AG-1"
    assert agent_.findtext(".//com:PersonFullName", namespaces=NS) == "Vanna Keo"
    assert agent_.findtext(".//com:OrganizationStandardName", namespaces=NS) == "Mekong IP"

    json = client.get(f"/api/v1/submissions/{filing_id}", headers=bearer(backoffice)).json
    payment = root.find("com:PaymentBag/com:Payment", NS)
    total = payment.find("com:FeePayableTotalAmount", NS)
    assert (total.text, total.get(f"{{{NS['com']}}}currencyCode")) == (
        json["fees"]["total"], "KHR")
    assert texts(payment, ".//com:PaymentFee/com:FeeIdentifier") == [
        line["code"] for line in json["fees"]["lines"]]
    assert {"TM-APP", "TM-CLASS", "TM-PRIO"} <= set(
        texts(payment, ".//com:PaymentFee/com:FeeIdentifier"))
    assert payment.findtext("com:PaymentModeCategory", namespaces=NS) == "Current account"
    assert texts(root, "com:DocumentIncludedBag/com:DocumentIncluded/com:FileName") == [
        "mekong-gold.png"]

    status = {"id": "ipas-1", "type": "status", "status": "received", "category": "filing",
              "office_number": "TM/2026/000777", "occurred_at": "2026-11-20T10:00:00+07:00"}
    assert client.post(f"/api/v1/submissions/{filing_id}/events", json=status,
                       headers=bearer(backoffice)).status_code == 201
    root = st96(client, backoffice, filing_id, "TrademarkApplication")
    numbers = root.findall("tmk:TrademarkBag/tmk:Trademark/com:ApplicationNumber", NS)
    assert [(n.findtext("com:IPOfficeCode", namespaces=NS),
             n.findtext("com:ApplicationNumberText", namespaces=NS)) for n in numbers] == [
        (None, filing.portal_number), ("KH", "TM/2026/000777")]


def test_a_design_application_with_several_designs_as_st96(client, agent, tariff, deposit,
                                                           backoffice):
    earlier = (utcnow() - timedelta(days=20)).date()
    filing_id = accept(agent, "design", {
        "reference": "DS-002", "products": "chair; armchair", "locarno_class": "6",
        "locarno_subclass": "01",
        "designs-0-title": "Rattan chair", "designs-0-description": "The seat is woven.",
        "designs-1-title": "Rattan armchair", "designs-2-title": "Low rattan chair",
        "designers-0-name": "Lina Sok", "designers-0-address": "3 Lane, Battambang",
        "designers-0-country": "KH", "designers-0-nationality": "KH",
        "designers-1-name": "Malis Ouk", "designers-1-address": "5 Quay, Kampot",
        "designers-1-country": "KH",
        "deferment": "y", "deferment_months": "12",
        "priorities-0-office": "EM", "priorities-0-filed_on": earlier.isoformat(),
        "priorities-0-number": "015000123-0001",
    }, {"designs-0-views": [(png_bytes((100, 60)), "chair-front.png"),
                            (png_bytes((100, 61)), "chair-side.png")],
        "designs-1-views": [(png_bytes((100, 62)), "armchair-front.png")],
        "designs-2-views": [(png_bytes((100, 63)), "low-chair-front.png")]})
    root = st96(client, backoffice, filing_id, "DesignApplication")
    filing = db.session.get(Filing, filing_id)

    assert root.tag == f"{{{NS['dgn']}}}DesignApplication"
    assert root.findtext("dgn:ReceiptNumber", namespaces=NS) == filing.portal_number
    assert root.findtext("com:ApplicationDate", namespaces=NS) == filing_day(filing_id)
    assert root.findtext("com:ApplicantFileReference", namespaces=NS) == "DS-002"
    assert root.findtext("dgn:DesignTotalQuantity", namespaces=NS) == "3"
    designs = root.findall("dgn:DesignBag/dgn:Design", NS)
    assert [d.findtext("dgn:DesignTitleText", namespaces=NS) for d in designs] == [
        "Rattan chair", "Rattan armchair", "Low rattan chair"]
    assert texts(designs[0], "dgn:DesignDescriptionText") == ["The seat is woven."]
    assert [texts(d, ".//dgn:View/com:FileName") for d in designs] == [
        ["chair-front.png", "chair-side.png"], ["armchair-front.png"], ["low-chair-front.png"]]
    assert texts(designs[0], ".//dgn:View/dgn:ViewIdentifier") == ["1.1", "1.2"]
    for design in designs:
        locarno = design.find("com:DesignClassificationBag/com:LocarnoClassificationBag/"
                              "com:LocarnoClassification", NS)
        assert locarno.findtext("com:LocarnoClass", namespaces=NS) == "06"
        assert locarno.findtext("com:LocarnoSubclassBag/com:LocarnoSubclass",
                                namespaces=NS) == "01"
        assert locarno.findtext(".//com:LocarnoSubclassProductIndicationText",
                                namespaces=NS) == "chair; armchair"
        assert texts(design, "dgn:ApplicantBag/com:PartyIdentifierBag/com:PartyIdentifier") \
            == ["applicant-1"]
        assert texts(design, "dgn:DesignerBag/dgn:Designer//com:PersonFullName") == [
            "Lina Sok", "Malis Ouk"]
        assert design.findtext("dgn:DefermentPeriod", namespaces=NS) == "12"
        priority = design.find("dgn:PriorityBag/dgn:Priority", NS)
        assert [priority.findtext(f"com:{name}", namespaces=NS) for name in (
            "PriorityCountryCode", "ApplicationNumber/com:ApplicationNumberText",
            "PriorityApplicationFilingDate")] == ["EM", "015000123-0001", earlier.isoformat()]
    applicant = root.find("dgn:ApplicantBag/dgn:Applicant", NS)
    assert applicant.findtext("com:PartyIdentifier", namespaces=NS) == "applicant-1"
    assert applicant.findtext(".//com:PersonFullName", namespaces=NS) == "Sokha Chan"
    assert root.findtext("com:RepresentativeBag/com:Representative//com:PersonFullName",
                         namespaces=NS) == "Vanna Keo"
    assert "ID-DESIGN" in texts(root, "com:PaymentBag//com:FeeIdentifier")
    assert root.findtext("com:BusinessEntityStatusCategory", namespaces=NS) == "Undiscounted"


def test_a_patent_has_no_st96_form_and_answers_a_json_error(client, agent, tariff, deposit,
                                                            backoffice):
    (patent,) = accept_filings(agent, kinds=("patent",))
    r = client.get(f"/api/v1/submissions/{patent}?format=st96", headers=bearer(backoffice))
    assert r.status_code == 406 and r.json["error"]["code"] == "st96_not_available"
    assert "patent" in r.json["error"]["message"]
    r = client.get(f"/api/v1/submissions/{patent}?format=pdf", headers=bearer(backoffice))
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_request"
    r = client.get(f"/api/v1/submissions/{patent}?format=json", headers=bearer(backoffice))
    assert r.status_code == 200 and r.json["kind"] == "patent"


@pytest.mark.parametrize("token_of", ["personal", "writer"])
def test_only_a_token_that_reads_submissions_gets_st96(client, agent, tariff, deposit, users,
                                                       token_of):
    (trademark,) = accept_filings(agent, kinds=("trademark",))
    if token_of == "personal":  # another user's personal token: never submissions:read
        _client, token = create_client("mine", ["filings:read"], user=users["applicant"])
    else:
        _client, token = create_client("Writer", ["submissions:write"])
    db.session.commit()
    r = client.get(f"/api/v1/submissions/{trademark}?format=st96", headers=bearer(token))
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert b"TrademarkApplication" not in r.get_data()


def test_the_openapi_document_describes_the_format_argument(client):
    spec = client.get("/api/v1/openapi.json").json
    get = spec["paths"]["/api/v1/submissions/{submission_id}"]["get"]
    argument = next(p for p in get["parameters"] if p["name"] == "format")
    assert argument["in"] == "query" and "406" in argument["description"]
    assert "406" in get["responses"]
    assert "application/xml" in get["responses"]["200"]["content"]
