"""The API documentation page renders the operations in Chromium, under the portal's CSP, and
asks no other host for anything."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from portal.config import REPO_ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (REPO_ROOT / "node_modules" / "swagger-ui-dist").is_dir(),
                       reason="node_modules/swagger-ui-dist is missing: `make install` runs "
                              "`npm ci`"),
]


def test_the_docs_page_lists_the_operations_from_our_origin_only(page: Page, live_server):
    requested, refused = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_role("heading", name="API documentation")).to_be_visible()
    operations = page.locator("#swagger-ui .opblock-summary-path")
    expect(operations.filter(has_text="/api/v1/submissions").first).to_be_visible()
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/submissions/{submission_id}/events")

    ours = urlsplit(live_server.url).netloc
    others = [url for url in requested
              if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != ours]
    assert not others, others
    assert any(url.endswith("/api/v1/openapi.json") for url in requested)
    assert not refused, refused
