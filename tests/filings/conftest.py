"""Fixtures for new applications: the demo tariff, a logged-in filer, drafts and files."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from pypdf import PdfWriter

from tests.conftest import Browser

COMPLETE = {
    "trademark": {
        "reference": "MK-001", "mark_type": "word", "category": "individual",
        "mark_text": "MEKONG GOLD", "translation": "no meaning",
        "goods-0-class_number": "30", "goods-0-terms": "coffee; tea; cocoa",
    },
    "patent": {
        "reference": "PT-001", "title": "Rice husk water filter",
        "abstract": "A filter of carbonised rice husk for drinking water.",
        "claims_count": "12", "examination": "later",
        "inventors-0-name": "Dara Pich", "inventors-0-address": "2 Road, Siem Reap",
        "inventors-0-country": "KH", "inventors-0-nationality": "KH",
    },
    "design": {
        "reference": "DS-001", "products": "chair; armchair", "locarno_class": "6",
        "locarno_subclass": "01", "designs-0-title": "Rattan chair",
        "designers-0-name": "Lina Sok", "designers-0-address": "3 Lane, Battambang",
        "designers-0-country": "KH",
    },
    "utility_model": {
        "reference": "UM-001", "title": "Folding rice drying rack",
        "abstract": "A rack that folds flat.", "claims_count": "3",
        "inventors-0-name": "Dara Pich", "inventors-0-address": "2 Road, Siem Reap",
        "inventors-0-country": "KH",
    },
}
APPLICANT = {
    "applicants-0-kind": "person", "applicants-0-name": "Sokha Chan",
    "applicants-0-name_local": "សុខា ចាន់", "applicants-0-address": "1 Street, Phnom Penh",
    "applicants-0-country": "KH", "applicants-0-nationality": "KH",
    "fee_category": "standard",
}
# The documents each kind needs before it can be filed: slot -> file maker.
EDIT_URL = re.compile(r"/filings/(\d+)/edit")


def pdf_bytes(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(size=(120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def agent(app, users):
    web = Browser(app.test_client())
    web.login("agent@example.org")
    return web


@pytest.fixture
def applicant(app, users):
    web = Browser(app.test_client())
    web.login("applicant@example.org")
    return web


def start(web, kind: str) -> int:
    r = web.submit("/filings/new", {"kind": kind})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return int(EDIT_URL.search(r.headers["Location"]).group(1))


def save(web, filing_id: int, data: dict, action: str = "save", files: dict | None = None):
    payload = {**data, "action": action}
    for name, (content, filename) in (files or {}).items():
        payload[name] = (io.BytesIO(content), filename)
    return web.submit(f"/filings/{filing_id}/edit", payload,
                      page=f"/filings/{filing_id}/edit",
                      content_type="multipart/form-data")


def documents_for(kind: str) -> dict:
    if kind in ("patent", "utility_model"):
        return {"description_pdf": (pdf_bytes(20), "description.pdf"),
                "claims_pdf": (pdf_bytes(3), "claims.pdf")}
    if kind == "design":
        return {"designs-0-views": (png_bytes(), "front.png")}
    return {}


def complete_draft(web, kind: str) -> int:
    filing_id = start(web, kind)
    r = save(web, filing_id, {**COMPLETE[kind], **APPLICANT}, files=documents_for(kind))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return filing_id


def check(web, filing_id: int) -> str:
    return web.get(f"/filings/{filing_id}/edit?check=1").get_data(as_text=True)
