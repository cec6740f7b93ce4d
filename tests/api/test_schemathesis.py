"""Schemathesis against /api/v1/openapi.json: every documented operation, called in-process with
generated input (valid and invalid), answers without a server error, with a documented status and
content type, and with a body that matches the documented schema.

One app and one database for the module (hundreds of calls per operation): migrated to head, the
demo office with its statuses, accepted filings made through the real checkout and in bulk, and
a back-office token with every scope. Generated submission and document ids are often swapped
for real ones, so that the authenticated paths and the events POST reach real filings.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from portal import create_app
from portal.api.models import TOKEN_PREFIX, create_client, hash_token
from portal.documents.models import Document
from portal.extensions import db
from portal.filings.models import Filing
from tests.api.conftest import accept_filings
from tests.conftest import Browser, base_config, fresh_database_url, migrate_to_head

MAX_EXAMPLES = 150
BULK_FILINGS = 12


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    from portal.demo_filings import seed_filings
    from portal.seed import seed_demo

    tmp = tmp_path_factory.mktemp("schemathesis")
    url, drop = fresh_database_url(tmp, "schemathesis")
    migrate_to_head(url, tmp)
    app = create_app({**base_config(tmp / "data", url), "PROPAGATE_EXCEPTIONS": False,
                      "API_RATE_LIMIT": "100000 per minute"})
    with app.app_context():
        _office, users, password = seed_demo()
        db.session.commit()
        agent = next(u for u in users if u.email == "agent@example.org")
        seed_filings(agent, BULK_FILINGS)
        client, _token = create_client("IPAS", ["submissions:read", "submissions:write"])
        client.token_hash, client.token_start = hash_token(TOKEN), TOKEN[:12]
        db.session.commit()
    web = Browser(app.test_client())
    assert web.login("agent@example.org", password).status_code == 302
    accept_filings(web, kinds=("trademark", "patent", "design"))
    with app.app_context():
        filings = list(db.session.scalars(select(Filing.id)
                                          .where(Filing.accepted_seq.is_not(None))))
        documents = list(db.session.execute(select(Document.filing_id, Document.id)
                                            .where(Document.filing_id.in_(filings))))
    KNOWN.update(app=app, filings=filings, documents=[tuple(d) for d in documents])
    try:
        yield app
    finally:
        KNOWN.clear()
        with app.app_context():
            db.engine.dispose()
        drop()


def openapi_document() -> dict:
    """The document as the app serves it (an app without a database is enough for it)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(base_config(Path(tmp), "sqlite://"))
        response = app.test_client().get("/api/v1/openapi.json")
        assert response.status_code == 200
        return response.json


# Known before the app: schemathesis builds some cases while pytest collects them.
TOKEN = TOKEN_PREFIX + secrets.token_urlsafe(32)
# Filled by the `api_app` fixture: the app, the ids of real submissions and documents.
KNOWN: dict = {}
EVENTS = "POST /api/v1/submissions/{submission_id}/events"


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


schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = served_app
schema.config.generation.update(modes=list(GenerationMode))


@schema.auth(refresh_interval=None)
class BackOfficeToken:
    """The bearer token with every back-office scope (left out where a case tests its absence)."""

    def get(self, case, context):
        return TOKEN

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


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_documented_contract(case, api_app):
    # A schema-valid event may still be refused with 422: an unknown status code, a document
    # that is not a PDF. No schema can say so, so a valid event may fail without being a fault.
    excluded = [positive_data_acceptance] if case.operation.label == EVENTS else []
    case.call_and_validate(excluded_checks=excluded)
