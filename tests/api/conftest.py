"""Fixtures for the API: clients with tokens, and accepted submissions."""

from __future__ import annotations

import pytest

from portal.api.models import create_client
from portal.extensions import db
from tests.filings.conftest import agent, applicant  # noqa: F401
from tests.orders.conftest import checkout, fill_cart  # noqa: F401


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def backoffice(app):
    client, token = create_client("IPAS", ["submissions:read", "submissions:write"])
    db.session.commit()
    return token


@pytest.fixture
def reader(app):
    _client, token = create_client("Reporting", ["submissions:read"])
    db.session.commit()
    return token


def accept_filings(web, kinds=("trademark", "patent")) -> list[int]:
    """Pay for complete drafts from the deposit account: accepted submissions."""
    ids = fill_cart(web, kinds=kinds)
    assert checkout(web, "deposit_account").status_code == 302
    return ids
