"""Schemathesis against the filing-by-API operations, with an agent's personal access token:
generated input (valid and invalid) never makes a server error, every answer has a documented
status and matches its documented schema. Generated filing ids are often swapped for the
agent's real drafts, so that the views past the 404 are exercised too.
"""

from __future__ import annotations

import io
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
from portal.auth.models import User
from portal.extensions import db
from tests.api.test_schemathesis import PLAIN
from tests.conftest import base_config, fresh_database_url, migrate_to_head
from tests.filings.conftest import png_bytes

MAX_EXAMPLES = 30
TOKEN = TOKEN_PREFIX + secrets.token_urlsafe(32)
KNOWN: dict = {}
DRAFT = {"reference": "FUZZ", "mark_type": "figurative",
         "applicants": [{"name": "Sokha Chan", "address": "1 Street", "country": "KH"}],
         "goods": [{"class_number": "30", "terms": "tea"}]}


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    from portal.seed import seed_demo

    tmp = tmp_path_factory.mktemp("filings-fuzz")
    url, drop = fresh_database_url(tmp, "filings_fuzz")
    migrate_to_head(url, tmp)
    app = create_app({**base_config(tmp / "data", url), "PROPAGATE_EXCEPTIONS": False,
                      "API_RATE_LIMIT": "100000 per minute"})
    with app.app_context():
        seed_demo()
        agent = db.session.scalar(select(User).where(User.email == "agent@example.org"))
        client, _token = create_client("Docketing", ["filings:read", "filings:write"],
                                       user=agent)
        client.token_hash, client.token_start = hash_token(TOKEN), TOKEN[:12]
        db.session.commit()
    KNOWN.update(app=app, filings=_drafts(app))
    try:
        yield app
    finally:
        KNOWN.clear()
        with app.app_context():
            db.engine.dispose()
        drop()


def _drafts(app) -> list[int]:
    """A trademark draft ready to be filed and one that is not, made by the API itself."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    ids = []
    for data in (DRAFT, {"reference": "HALF"}):
        r = client.post("/api/v1/filings", json={"kind": "trademark", "data": data},
                        headers=headers)
        assert r.status_code == 201, r.json
        ids.append(r.json["id"])
    r = client.post(f"/api/v1/filings/{ids[0]}/documents", headers=headers,
                    data={"slot": "mark_image", "file": (io.BytesIO(png_bytes()), "mark.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    return ids


def openapi_document() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(base_config(Path(tmp), "sqlite://"))
        return app.test_client().get("/api/v1/openapi.json").json


def served_app(environ, start_response):
    body = KNOWN["app"](environ, start_response)
    try:
        return [b"".join(body)]
    finally:
        if hasattr(body, "close"):
            body.close()


schema = schemathesis.openapi.from_dict(openapi_document()).include(
    path_regex=r"^/api/v1/(filings|filing-forms|cart|checkout)")
schema.app = served_app
schema.config.generation.update(modes=list(GenerationMode))


@schema.auth(refresh_interval=None)
class PersonalToken:
    def get(self, case, context):
        return TOKEN

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.hook
def flatmap_case(context, case):
    ids = case.path_parameters or {}
    if "filing_id" not in ids or case.meta is None or case.meta.generation.mode.is_negative:
        return st.just(case)
    real = st.sampled_from(KNOWN["filings"]).map(lambda id_: {**ids, "filing_id": id_})
    return st.one_of(st.just(ids), real).map(lambda chosen: _with_ids(case, chosen))


def _with_ids(case, ids: dict):
    case.path_parameters = ids
    return case


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_filing_by_api_keeps_its_documented_contract(case, api_app):
    # A body can be schema-valid and still refused with 422: `data` is the form's, checked by
    # the form; a slot must be the form's; a draft must be ready for the cart; a checkout
    # needs its key. No schema can say all that.
    excluded = [positive_data_acceptance] if case.method in ("POST", "PUT", "PATCH") else []
    case.call_and_validate(headers=PLAIN, excluded_checks=excluded)
