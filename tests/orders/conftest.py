"""Fixtures for the cart and checkout: complete drafts in an agent's cart, a deposit account."""

from __future__ import annotations

import re
import uuid

from tests.filings.conftest import (  # noqa: F401  (fixtures)
    agent,
    applicant,
    complete_draft,
)

ORDER_URL = re.compile(r"/orders/(\d+)")


def fill_cart(web, kinds=("trademark", "patent")) -> list[int]:
    ids = []
    for kind in kinds:
        filing_id = complete_draft(web, kind)
        r = web.submit(f"/cart/add/{filing_id}", page=f"/filings/{filing_id}/edit")
        assert r.status_code == 302 and r.headers["Location"].endswith("/cart"), r.status_code
        ids.append(filing_id)
    return ids


def checkout(web, method: str, key: str | None = None):
    # A fresh key each time: localstripe lives for the whole session and replays a key's
    # first answer, as Stripe does.
    key = key or uuid.uuid4().hex
    return web.submit("/cart/checkout", {"method": method, "checkout_key": key}, page="/cart")


def order_id_of(response) -> int:
    return int(ORDER_URL.search(response.headers["Location"]).group(1))
from tests.payments.stripe_server import localstripe_url, stripe_app  # noqa: E402,F401
