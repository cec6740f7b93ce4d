"""Responses go compressed to a browser that takes it: pages with their long country and Nice
lists, CSS and JavaScript; never the filer's documents, and not at all when switched off."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from tests.conftest import Browser
from tests.filings.conftest import APPLICANT, pdf_bytes, save, start


def get(client, url: str, encoding: str | None):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    return client.get(url, headers=headers)


@pytest.mark.parametrize(("encoding", "expected", "decode"), [
    ("gzip, deflate", "gzip", gzip.decompress),
    ("gzip, deflate, br", "br", brotli.decompress),
    ("deflate", "deflate", zlib.decompress),
])
def test_a_page_goes_compressed_in_what_the_browser_takes(client, encoding, expected, decode):
    plain = get(client, "/register", None)
    assert "Content-Encoding" not in plain.headers
    response = get(client, "/register", encoding)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == expected
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data)
    html = decode(response.data).decode()
    assert 'name="csrf_token"' in html and "</html>" in html
    assert len(response.data) < len(plain.data) / 2


def test_a_draft_with_its_country_lists_shrinks_to_a_fraction(app, users):
    web = Browser(app.test_client())
    web.login("applicant@example.org")
    filing_id = start(web, "patent")
    second = {k.replace("-0-", "-1-"): v for k, v in APPLICANT.items() if "-0-" in k}
    assert save(web, filing_id, {**APPLICANT, **second}).status_code == 302
    web.client.set_cookie("lang", "km")
    plain = get(web.client, f"/filings/{filing_id}/edit", None).data
    packed = get(web.client, f"/filings/{filing_id}/edit", "gzip, deflate, br")
    html = brotli.decompress(packed.data).decode()
    assert html.count(" value=\"KH\"") >= 6  # every country list, in Khmer
    assert "កម្ពុជា" in html
    assert len(packed.data) * 8 < len(plain)


@pytest.mark.parametrize("path", ["/static/css/portal.css", "/static/js/filing-form.js"])
def test_css_and_javascript_go_compressed(client, path):
    with get(client, path, None) as plain, get(client, path, "gzip, deflate, br") as response:
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br"
        assert brotli.decompress(response.get_data()) == plain.get_data()
        # read whole, with its length, instead of streamed from the file
        assert int(response.headers["Content-Length"]) == len(response.get_data())
        etag = response.headers["ETag"]
    with client.get(path, headers={"Accept-Encoding": "gzip",
                                   "If-None-Match": etag.replace(":br", ":gzip")}) as again:
        assert again.status_code == 304 and not again.data


def test_documents_and_small_answers_go_as_they_are(app, users):
    web = Browser(app.test_client())
    web.login("applicant@example.org")
    filing_id = start(web, "patent")
    r = save(web, filing_id, {}, files={"description_pdf": (pdf_bytes(2), "d.pdf")})
    assert r.status_code == 302
    from portal.extensions import db
    from portal.filings.models import Filing

    document = db.session.get(Filing, filing_id).documents[0]
    response = get(web.client, f"/filings/documents/{document.id}", "gzip, br")
    with response:  # sent from the file
        assert response.status_code == 200 and "Content-Encoding" not in response.headers
        assert response.is_streamed
        assert b"".join(response.response).startswith(b"%PDF")
    assert "Content-Encoding" not in get(web.client, "/healthz", "gzip, br").headers


@pytest.mark.parametrize("config_overrides", [{"COMPRESS_RESPONSES": False}])
def test_switched_off_where_a_proxy_compresses(client, config_overrides):
    response = get(client, "/register", "gzip, deflate, br")
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert b"</html>" in response.data


def test_the_setting_comes_from_the_environment(monkeypatch, tmp_path):
    from portal.config import from_environment

    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COMPRESS_RESPONSES", raising=False)
    assert from_environment()["COMPRESS_RESPONSES"] is True
    monkeypatch.setenv("COMPRESS_RESPONSES", "0")
    assert from_environment()["COMPRESS_RESPONSES"] is False

