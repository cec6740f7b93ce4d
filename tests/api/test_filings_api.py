"""Filing by API with personal access tokens: drafts, documents, the check, the cart and
checkout from the deposit account, each through the web's own services; other users' filings,
system clients, read-only and revoked tokens refused."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from payments.models import Order
from payments.providers.deposit_account import account_of
from portal.api.models import ApiClient, create_client
from portal.api.services import revoke_personal_token
from portal.auth.models import Role
from portal.extensions import db
from portal.filings.models import Filing
from tests.api.conftest import bearer
from tests.conftest import make_user
from tests.filings.conftest import pdf_bytes, png_bytes
from tests.requests.conftest import day

APPLICANT = {"kind": "person", "name": "Sokha Chan", "name_local": "សុខា ចាន់",
             "address": "1 Street, Phnom Penh", "country": "KH", "nationality": "KH"}
TRADEMARK = {"reference": "MK-API-1", "mark_type": "figurative", "category": "individual",
             "goods": [{"class_number": "30", "terms": "coffee; tea"}]}
PATENT = {"reference": "PT-API-1", "title": "Rice husk water filter",
          "abstract": "A filter of carbonised rice husk for drinking water.",
          "claims_count": "12", "examination": "later", "applicants": [APPLICANT],
          "inventors": [{"name": "Dara Pich", "address": "2 Road, Siem Reap", "country": "KH",
                         "nationality": "KH"}]}


def personal(user, scopes=("filings:read", "filings:write")) -> dict:
    _client, token = create_client("Docketing", list(scopes), user=user, created_by=user)
    db.session.commit()
    return bearer(token)


@pytest.fixture
def agent_api(users):
    return personal(users["agent"])


def upload(client, headers, filing_id, slot, content, filename):
    return client.post(f"/api/v1/filings/{filing_id}/documents", headers=headers,
                       data={"slot": slot, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def create(client, headers, kind, data, **extra):
    return client.post("/api/v1/filings", json={"kind": kind, "data": data, **extra},
                       headers=headers)


def filing_count() -> int:
    return db.session.scalar(select(func.count(Filing.id)))


def test_a_trademark_and_a_patent_filed_and_paid_by_api(client, tariff, deposit, agent_api):
    r = create(client, agent_api, "trademark", TRADEMARK)
    assert r.status_code == 201, r.json
    mark = r.json
    assert (mark["status"], mark["type"], mark["data"]["reference"]) == (
        "draft", "application", "MK-API-1")
    assert mark["data"]["goods"] == [{"class_number": "30", "terms": "coffee; tea"}]
    check = client.get(f"/api/v1/filings/{mark['id']}/check", headers=agent_api).json
    assert check["ready"] is False
    assert {p["field"] for p in check["problems"]} == {"applicants", "mark_image"}

    r = client.patch(f"/api/v1/filings/{mark['id']}", headers=agent_api,
                     json={"data": {"applicants": [APPLICANT]}})
    assert r.status_code == 200, r.json
    assert r.json["data"]["reference"] == "MK-API-1"  # merged, not replaced
    assert r.json["data"]["applicants"][0]["name"] == "Sokha Chan"
    r = upload(client, agent_api, mark["id"], "mark_image", pdf_bytes(1), "mark.png")
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_document"
    r = upload(client, agent_api, mark["id"], "mark_image", png_bytes(), "mark.png")
    assert r.status_code == 201 and r.json["media_type"] == "image/png"
    r = upload(client, agent_api, mark["id"], "claims_pdf", pdf_bytes(1), "claims.pdf")
    assert r.status_code == 422 and r.json["error"]["code"] == "unknown_slot"
    assert client.get(f"/api/v1/filings/{mark['id']}/check", headers=agent_api).json == {
        "ready": True, "problems": []}

    patent = create(client, agent_api, "patent", PATENT).json
    for slot, pages in (("description_pdf", 20), ("claims_pdf", 3)):
        r = upload(client, agent_api, patent["id"], slot, pdf_bytes(pages), f"{slot}.pdf")
        assert r.status_code == 201 and r.json["pages"] == pages
    shown = client.get(f"/api/v1/filings/{patent['id']}", headers=agent_api).json
    assert [d["slot"] for d in shown["documents"]] == ["description_pdf", "claims_pdf"]
    assert shown["problems"] == 0 and shown["fees"]["currency"] == "KHR"

    for filing_id in (mark["id"], patent["id"]):
        r = client.post("/api/v1/cart/items", json={"filing_id": filing_id}, headers=agent_api)
        assert r.status_code == 201 and r.json["ready"] is True
    again = client.post("/api/v1/cart/items", json={"filing_id": mark["id"]}, headers=agent_api)
    assert again.status_code == 200
    cart = client.get("/api/v1/cart", headers=agent_api).json
    assert [i["filing_id"] for i in cart["items"]] == [mark["id"], patent["id"]]
    before = account_of(db.session.get(Filing, mark["id"]).owner).balance

    key = {"Idempotency-Key": "docketing-batch-0001"}
    first = client.post("/api/v1/checkout", json={}, headers={**agent_api, **key})
    assert first.status_code == 201, first.json
    order = first.json["order"]
    assert first.json["created"] is True and order["state"] == "paid"
    assert order["method"] == "deposit_account" and order["total"] == cart["total"]
    numbers = {i["filing_id"]: i["portal_number"] for i in order["items"]}
    assert numbers[mark["id"]].startswith("EF-TM-") and numbers[patent["id"]].startswith("EF-PT-")
    retry = client.post("/api/v1/checkout", json={}, headers={**agent_api, **key})
    assert retry.status_code == 200 and retry.json["created"] is False
    assert retry.json["order"]["number"] == order["number"]
    assert db.session.scalar(select(func.count(Order.id))) == 1
    after = account_of(db.session.get(Filing, mark["id"]).owner).balance
    assert before - after == Decimal(order["total"])

    shown = client.get(f"/api/v1/filings/{mark['id']}", headers=agent_api).json
    assert (shown["status"], shown["portal_number"]) == ("accepted", numbers[mark["id"]])
    assert shown["fees"]["total"] == order["items"][0]["total"]
    r = client.patch(f"/api/v1/filings/{mark['id']}", headers=agent_api,
                     json={"data": {"reference": "X"}})
    assert r.status_code == 409 and r.json["error"]["code"] == "not_a_draft"
    listed = client.get("/api/v1/filings?status=accepted", headers=agent_api).json
    assert listed["total"] == 2 and {f["id"] for f in listed["items"]} == set(numbers)


def test_a_draft_that_is_not_ready_stays_out_of_the_cart(client, tariff, agent_api):
    filing = create(client, agent_api, "trademark", TRADEMARK).json
    r = client.post("/api/v1/cart/items", json={"filing_id": filing["id"]}, headers=agent_api)
    assert r.status_code == 422 and r.json["error"]["code"] == "not_ready"
    assert {p["field"] for p in r.json["error"]["problems"]} == {"applicants", "mark_image"}
    assert client.get("/api/v1/cart", headers=agent_api).json["items"] == []
    r = client.post("/api/v1/checkout", json={"key": "k" * 20}, headers=agent_api)
    assert r.status_code == 409 and r.json["error"]["code"] == "checkout_refused"
    r = client.post("/api/v1/checkout", json={}, headers=agent_api)
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_idempotency_key"


def test_data_the_form_cannot_hold_is_refused_whole(client, tariff, agent_api):
    r = create(client, agent_api, "trademark", {
        "reference": "MK-2", "nonsense": "x", "applicants": "Sokha Chan",
        "goods": [{"class_number": "30", "terms": "tea", "colour": "red"}]})
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_data"
    assert {e["field"] for e in r.json["error"]["fields"]} == {
        "nonsense", "applicants", "goods-0-colour"}
    r = create(client, agent_api, "trademark", {
        "mark_type": "hologramme", "priorities": [{"filed_on": "2026-02-30"}]})
    assert r.status_code == 422
    assert {e["field"] for e in r.json["error"]["fields"]} == {
        "mark_type", "priorities-0-filed_on"}
    assert filing_count() == 0

    draft = create(client, agent_api, "trademark", TRADEMARK).json
    r = client.patch(f"/api/v1/filings/{draft['id']}", headers=agent_api, json={"data": {
        "reference": "CHANGED", "applicants": [{**APPLICANT, "country": "XX"}]}})
    assert r.status_code == 422
    assert r.json["error"]["fields"] == [{"field": "applicants-0-country",
                                          "message": "Choose one of the options offered."}]
    shown = client.get(f"/api/v1/filings/{draft['id']}", headers=agent_api).json
    assert shown["data"] == draft["data"] and shown["updated_at"] == draft["updated_at"]

    r = client.post("/api/v1/filings", json={"kind": "boat"}, headers=agent_api)
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_request"
    assert r.json["error"]["fields"][0]["field"] == "kind"
    r = create(client, agent_api, "patent", {}, type="renewal")  # patents are not renewed
    assert r.status_code == 422 and r.json["error"]["code"] == "unknown_type"


def test_put_replaces_the_data_and_null_clears_a_field(client, tariff, agent_api):
    draft = create(client, agent_api, "trademark", TRADEMARK).json
    r = client.patch(f"/api/v1/filings/{draft['id']}", headers=agent_api,
                     json={"data": {"reference": None}})
    assert r.json["data"]["reference"] == "" and r.json["data"]["mark_type"] == "figurative"
    r = client.put(f"/api/v1/filings/{draft['id']}", headers=agent_api,
                   json={"data": {"reference": "ONLY"}})
    assert r.status_code == 200
    assert r.json["data"]["reference"] == "ONLY" and r.json["data"]["mark_type"] == ""
    assert r.json["data"]["category"] == "individual"  # the form's default
    assert client.delete(f"/api/v1/filings/{draft['id']}", headers=agent_api).status_code == 204
    assert filing_count() == 0


def test_a_renewal_is_made_and_checked_like_any_request(client, tariff, agent_api):
    holder = {"name": "Sokha Chan", "name_local": "សុខា ចាន់", "address": "1 Street, Phnom Penh",
              "country": "KH"}
    r = create(client, agent_api, "trademark", {
        "holder": holder,
        "rights": [{"number": "TM-012345", "expires_on": day(60), "classes": "9, 35"}]},
        type="renewal")
    assert r.status_code == 201, r.json
    assert r.json["type"] == "renewal" and r.json["title"] == "TM-012345"
    assert r.json["data"]["rights"][0]["classes"] == "9, 35"
    check = client.get(f"/api/v1/filings/{r.json['id']}/check", headers=agent_api).json
    assert check == {"ready": True, "problems": []}
    added = client.post("/api/v1/cart/items", json={"filing_id": r.json["id"]},
                        headers=agent_api)
    assert added.status_code == 201 and added.json["fees"]["lines"]
    assert client.delete(f"/api/v1/cart/items/{r.json['id']}",
                         headers=agent_api).status_code == 204
    assert client.delete(f"/api/v1/cart/items/{r.json['id']}",
                         headers=agent_api).status_code == 404


def test_the_forms_are_described(client, agent_api):
    types = client.get("/api/v1/filing-forms", headers=agent_api).json["types"]
    assert {"type": "application", "label": "Application",
            "kinds": ["trademark", "patent", "design", "utility_model"]} in types
    assert next(t for t in types if t["type"] == "renewal")["kinds"] == ["trademark", "design"]
    form = client.get("/api/v1/filing-forms/trademark/application", headers=agent_api).json
    fields = {f["name"]: f for f in form["fields"]}
    assert "word" in [c["value"] for c in fields["mark_type"]["choices"]]
    assert fields["goods"]["type"] == "list" and fields["goods"]["max_entries"] == 45
    assert [d["slot"] for d in form["documents"]] == ["mark_image", "sound_file"]
    assert client.get("/api/v1/filing-forms/patent/renewal",
                      headers=agent_api).status_code == 404


def test_a_token_sees_only_what_its_user_sees_on_the_web(client, tariff, users, agent_api):
    draft = create(client, agent_api, "trademark", TRADEMARK).json
    stranger = personal(users["applicant"])
    for method, url, body in (
            ("get", f"/api/v1/filings/{draft['id']}", None),
            ("get", f"/api/v1/filings/{draft['id']}/check", None),
            ("patch", f"/api/v1/filings/{draft['id']}", {"data": {"reference": "mine"}}),
            ("delete", f"/api/v1/filings/{draft['id']}", None),
            ("post", "/api/v1/cart/items", {"filing_id": draft["id"]})):
        r = getattr(client, method)(url, json=body, headers=stranger)
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found", (method, url)
    r = upload(client, stranger, draft["id"], "mark_image", png_bytes(), "mark.png")
    assert r.status_code == 404
    assert client.get("/api/v1/filings", headers=stranger).json["total"] == 0
    # A colleague of the agent's firm sees the firm's filings, as on the web.
    colleague = make_user("colleague@example.org", Role.AGENT, firm=users["agent"].firm)
    r = client.get(f"/api/v1/filings/{draft['id']}", headers=personal(colleague))
    assert r.status_code == 200


def test_system_clients_read_only_revoked_and_missing_tokens(client, tariff, users, agent_api):
    system = create_client("Reporting", ["filings:read", "filings:write"])[1]
    backoffice = create_client("IPAS", ["submissions:read", "submissions:write"])[1]
    db.session.commit()
    for token in (system, backoffice):
        r = client.get("/api/v1/filings", headers=bearer(token))
        assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    reader = personal(users["agent"], scopes=("filings:read",))
    assert client.get("/api/v1/filings", headers=reader).status_code == 200
    assert create(client, reader, "trademark", TRADEMARK).status_code == 403
    draft = create(client, agent_api, "trademark", TRADEMARK).json
    r = client.patch(f"/api/v1/filings/{draft['id']}", json={"data": {}}, headers=reader)
    assert r.status_code == 403
    assert client.post("/api/v1/checkout", json={"key": "k" * 20},
                       headers=reader).status_code == 403
    assert client.get("/api/v1/filings", headers=agent_api).status_code == 200
    mine = db.session.scalar(select(ApiClient).where(ApiClient.user_id == users["agent"].id)
                             .order_by(ApiClient.id).limit(1))
    assert mine.last_used_at is not None
    revoke_personal_token(users["agent"], mine)
    db.session.commit()
    r = client.get("/api/v1/filings", headers=agent_api)
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/filings").status_code == 401


def test_each_personal_token_has_its_own_rate_limit(app, client, users, agent_api):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert client.get("/api/v1/filings", headers=agent_api).status_code == 200
    r = client.get("/api/v1/filings", headers=agent_api)
    assert r.status_code == 429 and r.json["error"]["code"] == "too_many_requests"
    assert client.get("/api/v1/filings", headers=personal(users["applicant"])).status_code == 200


def test_the_openapi_document_describes_filing_by_api(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in ("/api/v1/filings", "/api/v1/filings/{filing_id}", "/api/v1/cart",
                 "/api/v1/filings/{filing_id}/documents", "/api/v1/filings/{filing_id}/check",
                 "/api/v1/cart/items", "/api/v1/cart/items/{filing_id}", "/api/v1/checkout"):
        assert path in paths, path
    post = paths["/api/v1/filings"]["post"]
    assert post["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FilingError"}
    assert {"401", "403", "429"} <= set(post["responses"])
    body = paths["/api/v1/filings/{filing_id}/documents"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert set(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["properties"]) \
        == {"slot", "file"}
    checkout = paths["/api/v1/checkout"]["post"]
    assert {"200", "201", "409", "422"} <= set(checkout["responses"])
    assert "Idempotency-Key" in [p["name"] for p in checkout["parameters"]]
