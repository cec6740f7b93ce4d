"""The back office's side of the API: tokens and scopes, the cursor, a submission, its
documents, and events recorded once."""

from __future__ import annotations

import base64

from portal.api.models import ApiClient, create_client
from portal.extensions import db
from portal.filings.models import Filing
from portal.timeutil import utcnow
from portal.tracking.models import Notification
from tests.api.conftest import accept_filings, bearer
from tests.filings.conftest import pdf_bytes


def test_no_token_a_bad_token_a_revoked_token_or_a_missing_scope(client, backoffice, reader,
                                                                  users):
    for headers in ({}, bearer("nope"), {"Authorization": "Basic abc"}):
        r = client.get("/api/v1/submissions", headers=headers)
        assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = client.post("/api/v1/submissions/1/events", json={"id": "x", "type": "status",
                                                          "status": "received"},
                    headers=bearer(reader))
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    _personal, token = create_client("mine", ["filings:read"], user=users["agent"])
    db.session.commit()
    assert client.get("/api/v1/submissions", headers=bearer(token)).status_code == 403
    revoked = db.session.scalar(db.select(ApiClient).where(ApiClient.name == "IPAS"))
    revoked.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/submissions", headers=bearer(backoffice)).status_code == 401


def test_unknown_api_urls_and_bad_arguments_answer_json(client, backoffice):
    r = client.get("/api/v1/nowhere", headers=bearer(backoffice))
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.get("/api/v1/submissions?limit=0", headers=bearer(backoffice))
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_request"
    r = client.get("/api/v1/submissions/999", headers=bearer(backoffice))
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"


def test_the_cursor_walks_every_submission_once_while_new_ones_are_accepted(
        client, agent, tariff, deposit, backoffice):
    first = accept_filings(agent)
    seen, after = [], 0
    page = client.get(f"/api/v1/submissions?after={after}&limit=1",
                      headers=bearer(backoffice)).json
    seen += [item["id"] for item in page["items"]]
    after = page["items"][-1]["cursor"]
    later = accept_filings(agent, kinds=("design",))  # accepted while the walk goes on
    while True:
        page = client.get(f"/api/v1/submissions?after={after}&limit=1",
                          headers=bearer(backoffice)).json
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert seen == [*first, *later]


def test_one_submission_in_the_interchange_form_and_its_documents(client, agent, tariff,
                                                                 deposit, backoffice):
    trademark, patent = accept_filings(agent)
    body = client.get(f"/api/v1/submissions/{patent}", headers=bearer(backoffice)).json
    filing = db.session.get(Filing, patent)
    assert body["id"] == filing.uuid and body["portal_number"] == filing.portal_number
    assert (body["kind"], body["type"]) == ("patent", "application")
    assert body["data"]["title"] == "Rice husk water filter"
    assert {p["role"] for p in body["parties"]} == {"applicant", "inventor", "representative"}
    assert body["fees"]["currency"] == "KHR" and body["fees"]["lines"][0]["code"] == "PT-FIL"
    assert body["payment"]["method"] == "deposit_account"
    doc = body["documents"][0]
    r = client.get(doc["url"].replace("http://localhost", ""), headers=bearer(backoffice))
    assert r.status_code == 200
    import hashlib

    assert hashlib.sha256(r.get_data()).hexdigest() == doc["sha256"]
    r.close()
    r = client.get(f"/api/v1/submissions/{trademark}/documents/{doc['id']}",
                   headers=bearer(backoffice))
    assert r.status_code == 404


def test_events_posted_twice_are_recorded_once(client, agent, tariff, deposit, backoffice):
    trademark, _patent = accept_filings(agent)
    status = {"id": "ipas-1", "type": "status", "status": "received", "category": "filing",
              "office_number": "TM/2026/000777", "occurred_at": "2026-11-20T10:00:00+07:00"}
    r1 = client.post(f"/api/v1/submissions/{trademark}/events", json=status,
                     headers=bearer(backoffice))
    r2 = client.post(f"/api/v1/submissions/{trademark}/events", json=status,
                     headers=bearer(backoffice))
    assert (r1.status_code, r1.json["created"]) == (201, True)
    assert (r2.status_code, r2.json["created"]) == (200, False)
    filing = db.session.get(Filing, trademark)
    db.session.refresh(filing)
    assert filing.office_number == "TM/2026/000777" and filing.office_status == "received"
    note = {"id": "ipas-2", "type": "notification", "subject": "Formal deficiencies",
            "body": "Please file the translation.", "response_due": "2027-01-15",
            "document": {"filename": "letter.pdf",
                         "content_base64": base64.b64encode(pdf_bytes(1)).decode()}}
    for _ in range(2):
        r = client.post(f"/api/v1/submissions/{trademark}/events", json=note,
                        headers=bearer(backoffice))
    assert r.status_code == 200
    notifications = list(db.session.scalars(db.select(Notification)))
    assert len(notifications) == 1 and notifications[0].document is not None
    assert len([d for d in filing.documents if d.slot == "notification"]) == 1
    bad = client.post(f"/api/v1/submissions/{trademark}/events",
                      json={"id": "ipas-3", "type": "notification"}, headers=bearer(backoffice))
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_event"
    not_pdf = {**note, "id": "ipas-4",
               "document": {"filename": "x.pdf", "content_base64": "aGVsbG8="}}
    r = client.post(f"/api/v1/submissions/{trademark}/events", json=not_pdf,
                    headers=bearer(backoffice))
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_document"


def test_the_openapi_document_describes_the_contract(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/submissions/{submission_id}/events" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_api_client_create_prints_the_token_last(app):
    result = app.test_cli_runner().invoke(
        args=["api-client", "create", "IPAS", "--scopes", "submissions:read submissions:write"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    client = db.session.scalar(db.select(ApiClient).where(ApiClient.name == "IPAS"))
    assert token.startswith("ipp_") and client.token_hash != token
    assert client.scopes == ["submissions:read", "submissions:write"]
    bad = app.test_cli_runner().invoke(args=["api-client", "create", "X", "--scopes", "all"])
    assert bad.exit_code != 0
    revoked = app.test_cli_runner().invoke(args=["api-client", "revoke", str(client.id)])
    assert revoked.exit_code == 0 and db.session.get(ApiClient, client.id).revoked_at
    from portal.audit import AuditEntry

    rows = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.object_id == str(client.id), AuditEntry.action.like("api_client.%"))
        .order_by(AuditEntry.id)).all()
    assert [(r.action, r.actor) for r in rows] == [("api_client.created", "command line"),
                                                   ("api_client.revoked", "command line")]
    assert token not in str([r.details for r in rows])  # never the token


def test_each_token_has_its_own_rate_limit(app, client, backoffice, reader):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert client.get("/api/v1/submissions", headers=bearer(backoffice)).status_code == 200
    r = client.get("/api/v1/submissions", headers=bearer(backoffice))
    assert r.status_code == 429 and r.json["error"]["code"] == "too_many_requests"
    assert client.get("/api/v1/submissions", headers=bearer(reader)).status_code == 200
