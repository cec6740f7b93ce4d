"""Schemathesis against /api/v1/openapi.json: every documented operation, called in-process with
generated input (valid and invalid), answers without a server error, with a documented status and
content type, and with a body that matches the documented schema.

One app and one database for the module (hundreds of calls per operation): migrated to head, the
demo office with its statuses, accepted filings made through the real checkout and in bulk, and
two tokens: the back office's (every back-office scope) and the demo agent's personal token.
Generated submission and document ids are often swapped for real ones, so that the views past
the 404 and the events POST reach real filings.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import PositiveDataAcceptanceConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from portal import create_app
from portal.api.models import PERSONAL_SCOPES, TOKEN_PREFIX, create_client, hash_token
from portal.documents.models import Document
from portal.extensions import db
from portal.filings.models import Filing
from tests.api.conftest import accept_filings
from tests.conftest import Browser, base_config, fresh_database_url, migrate_to_head

BACK_OFFICE_PATHS = r"^/api/v1/submissions"
# Known before the app exists: schemathesis builds some cases while pytest collects them.
BACK_OFFICE_TOKEN = TOKEN_PREFIX + secrets.token_urlsafe(32)
FILER_TOKEN = TOKEN_PREFIX + secrets.token_urlsafe(32)
# Filled by the `api_app` fixture: the app and the ids of real submissions and documents.
KNOWN: dict = {}


def openapi_document() -> dict:
    """The document as the app serves it (an app without a database is enough for it)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(base_config(Path(tmp), "sqlite://"))
        response = app.test_client().get("/api/v1/openapi.json")
        assert response.status_code == 200
        return response.json


def served_app(environ, start_response):
    """What schemathesis calls in-process: the module's app, once `api_app` has built it. The
    body is read here and closed: schemathesis' WSGI transport reads it but never closes it,
    which would leave the documents' files open."""
    body = KNOWN["app"](environ, start_response)
    try:
        return [b"".join(body)]
    finally:
        if hasattr(body, "close"):
            body.close()


# Loaded at import, and the app plugged in through `served_app`: the fixture-based loader
# (`schemathesis.pytest.from_fixture`) sets `Node._nodeid`, which pytest 9.2 no longer has.
DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = served_app
schema.config.generation.update(modes=list(GenerationMode))
# 406 answers valid input too: a representation the submission has none of (ST.96, a patent).
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=["2xx", "3xx", "401", "403", "404", "406", "409", "429"])


@schema.auth(refresh_interval=None)
class Tokens:
    """The back office's token on its paths, the agent's personal token on the others (left
    out where a case tests their absence)."""

    def get(self, case, context):
        back_office = re.match(BACK_OFFICE_PATHS, case.operation.path)
        return BACK_OFFICE_TOKEN if back_office else FILER_TOKEN

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.hook
def flatmap_case(context, case):
    """Keep a valid case's generated ids, or point it at a real submission (and one of its
    documents), so that the views past the 404 are exercised too."""
    ids = case.path_parameters or {}
    if "submission_id" not in ids or case.meta is None or case.meta.generation.mode.is_negative:
        return st.just(case)
    if "document_id" in ids:
        pairs = st.sampled_from(KNOWN["documents"])
        real = pairs.map(lambda pair: {**ids, "submission_id": pair[0], "document_id": pair[1]})
    else:
        real = st.sampled_from(KNOWN["filings"]).map(lambda id_: {**ids, "submission_id": id_})
    return st.one_of(st.just(ids), real).map(lambda chosen: _with_ids(case, chosen))


def _with_ids(case, ids: dict):
    case.path_parameters = ids
    return case


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    from portal.demo_filings import seed_filings
    from portal.seed import seed_demo

    tmp = tmp_path_factory.mktemp("schemathesis")
    url, drop = fresh_database_url(tmp, "schemathesis")
    migrate_to_head(url, tmp)
    # JOBS_MODE "worker" without a worker: receipts are owed, never rendered (seconds saved).
    app = create_app({**base_config(tmp / "data", url), "PROPAGATE_EXCEPTIONS": False,
                      "API_RATE_LIMIT": "100000 per minute", "JOBS_MODE": "worker"})
    with app.app_context():
        _office, users, password = seed_demo()
        db.session.commit()
        agent = next(u for u in users if u.email == "agent@example.org")
        seed_filings(agent, 12)
        for name, scopes, user, token in (
                ("IPAS", ["submissions:read", "submissions:write"], None, BACK_OFFICE_TOKEN),
                ("Docketing", list(PERSONAL_SCOPES), agent, FILER_TOKEN)):
            client, _token = create_client(name, scopes, user=user)
            client.token_hash, client.token_start = hash_token(token), token[:12]
        db.session.commit()
    web = Browser(app.test_client())
    assert web.login("agent@example.org", password).status_code == 302
    accept_filings(web, kinds=("trademark", "patent", "design"))
    with app.app_context():
        filings = list(db.session.scalars(select(Filing.id)
                                          .where(Filing.accepted_seq.is_not(None))))
        documents = db.session.execute(select(Document.filing_id, Document.id)
                                       .where(Document.filing_id.in_(filings)))
        KNOWN.update(app=app, filings=filings, documents=[tuple(d) for d in documents])
    try:
        yield app
    finally:
        KNOWN.clear()
        with app.app_context():
            db.engine.dispose()
        drop()


EXAMPLES = settings(deadline=None, suppress_health_check=list(HealthCheck))


# Schemathesis' WSGI transport asks for gzip/br/zstd like `requests` does but reads the body
# undecoded: the contract is about the JSON, so the body is asked for as it is.
PLAIN = {"Accept-Encoding": "identity"}


def call_and_validate(case) -> None:
    # A schema-valid write may still be refused with 422 (an unknown status code, a document
    # that is not a PDF, a form field the kind does not have): no schema can say so. Reads must
    # take every valid input.
    reads = case.method.upper() in ("GET", "HEAD")
    case.call_and_validate(headers=PLAIN, excluded_checks=[] if reads else
                           [positive_data_acceptance])


@schema.include(path_regex=BACK_OFFICE_PATHS).parametrize()
@settings(EXAMPLES, max_examples=120)
def test_the_back_office_contract_holds(case, api_app):
    call_and_validate(case)


@schema.exclude(path_regex=BACK_OFFICE_PATHS).parametrize()
@settings(EXAMPLES, max_examples=25)
def test_the_filers_operations_hold_their_contract(case, api_app):
    call_and_validate(case)


def test_every_operation_lists_the_errors_it_may_answer():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            statuses = set(operation["responses"])
            assert "default" not in statuses, (method, path)
            if operation.get("security"):
                assert {"401", "403", "429"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
            if "requestBody" in operation:
                assert "400" in statuses, (method, path)


def test_ids_past_the_database_integers_are_unknown_not_server_errors(client, backoffice):
    auth = {"Authorization": f"Bearer {backoffice}"}
    big = 2**70
    for url in (f"/api/v1/submissions/{big}", f"/api/v1/submissions/1/documents/{big}"):
        r = client.get(url, headers=auth)
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.post(f"/api/v1/submissions/{big}/events", json={"id": "e", "type": "status"},
                    headers=auth)
    assert r.status_code == 404
    r = client.get(f"/api/v1/submissions?after={big}", headers=auth)
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid_request"
    r = client.post("/api/v1/submissions/1/events", data=b"\x00", headers=auth,
                    content_type="application/json")
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_request"
