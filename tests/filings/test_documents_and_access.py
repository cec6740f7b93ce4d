"""Documents on drafts (checked by content, nothing else lost), access, autosave, fee preview."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfWriter

from portal.extensions import db
from portal.filings.models import Filing
from tests.conftest import Browser, csrf_token, make_user
from tests.filings.conftest import (
    APPLICANT,
    COMPLETE,
    complete_draft,
    pdf_bytes,
    png_bytes,
    save,
    start,
)


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bomb_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 megapixels, a few KB on disk
    return out.getvalue()


BAD_FILES = [
    ("description_pdf", b"MZ\x90\x00" + b"\x00" * 200, "setup.pdf", "not a PDF"),
    ("description_pdf", pdf_bytes(3)[:400], "cut.pdf", "damaged"),
    ("description_pdf", encrypted_pdf(), "locked.pdf", "encrypted"),
    ("description_pdf", b"", "empty.pdf", "empty"),
    ("description_pdf", b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024), "huge.pdf", "MiB"),
    ("drawings_pdf", bomb_png(), "bomb.png", "pixels"),
    ("drawings_pdf", png_bytes(), "drawing.jpg", "PNG"),
]


@pytest.mark.parametrize(("slot", "content", "filename", "reason"), BAD_FILES,
                         ids=[f[2] for f in BAD_FILES])
def test_bad_documents_are_refused_and_nothing_else_is_lost(agent, tariff, slot, content,
                                                             filename, reason):
    filing_id = start(agent, "patent")
    data = {**COMPLETE["patent"], **APPLICANT, "title": "Kept title"}
    r = save(agent, filing_id, data, files={slot: (content, filename),
                                            "claims_pdf": (pdf_bytes(2), "claims.pdf")})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Some files were refused" in html
    assert filename in html and reason.lower() in html.lower()
    assert 'value="Kept title"' in html
    filing = db.session.get(Filing, filing_id)
    assert filing.title == "Kept title"
    assert [d.slot for d in filing.documents] == ["claims_pdf"]  # the good file was kept


def test_a_good_pdf_records_pages_and_hash_and_counts_towards_page_fees(agent, tariff):
    import hashlib

    content = pdf_bytes(35)
    filing_id = start(agent, "patent")
    save(agent, filing_id, {**COMPLETE["patent"], **APPLICANT},
         files={"description_pdf": (content, "description.pdf")})
    (document,) = db.session.get(Filing, filing_id).documents
    assert document.pages == 35 and document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.media_type == "application/pdf" and document.filename == "description.pdf"
    html = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert "The documents below have 35 pages in all." in html
    panel = html.split('class="fee-panel"', 1)[1].split("</section>", 1)[0]
    assert "× 5" in panel  # 35 pages, the first 30 free


def test_uploading_again_replaces_the_document_and_remove_deletes_it(agent, tariff):
    filing_id = start(agent, "trademark")
    data = {**COMPLETE["trademark"], "mark_type": "figurative"}
    save(agent, filing_id, data, files={"mark_image": (png_bytes((50, 50)), "a.png")})
    save(agent, filing_id, data, files={"mark_image": (png_bytes((60, 40)), "b.png")})
    (document,) = db.session.get(Filing, filing_id).documents
    assert (document.filename, document.width, document.height) == ("b.png", 60, 40)
    save(agent, filing_id, data, action=f"delete-doc:{document.id}")
    assert db.session.get(Filing, filing_id).documents == []


def test_owner_downloads_a_document_with_its_bytes(agent, tariff):
    content = png_bytes((30, 30))
    filing_id = start(agent, "trademark")
    save(agent, filing_id, {"mark_type": "figurative"}, files={"mark_image": (content, "m.png")})
    (document,) = db.session.get(Filing, filing_id).documents
    r = agent.get(f"/filings/documents/{document.id}")
    data = r.get_data()
    r.close()
    assert r.status_code == 200 and data == content
    assert r.headers["Content-Type"] == "image/png"
    assert "attachment" in r.headers["Content-Disposition"]
    assert "sandbox" in r.headers["Content-Security-Policy"]


@pytest.fixture
def outsiders(app, users):
    """Another applicant, and an agent of another firm."""
    make_user("other@example.org")
    make_user("rival@example.org", role=users["agent"].role, organisation="Rival IP")
    out = {}
    for email in ("other@example.org", "rival@example.org", "applicant@example.org"):
        out[email] = Browser(app.test_client())
        out[email].login(email)
    return out


def test_another_users_draft_and_document_give_404(agent, tariff, outsiders):
    filing_id = complete_draft(agent, "design")
    (document,) = db.session.get(Filing, filing_id).documents
    for web in outsiders.values():
        assert web.get(f"/filings/{filing_id}/edit").status_code == 404
        assert web.get(f"/filings/documents/{document.id}").status_code == 404
        for action in ("autosave", "fees"):
            assert web.submit(f"/filings/{filing_id}/{action}", {"title": "x"},
                              page="/filings/drafts").status_code == 404
        for action in ("copy", "delete"):
            assert web.submit(f"/filings/{filing_id}/{action}",
                              page="/filings/drafts").status_code == 404
        assert "Rattan" not in web.get("/filings/drafts").get_data(as_text=True)
    assert db.session.get(Filing, filing_id) is not None


def test_agents_of_one_firm_share_drafts(app, agent, tariff, users):
    colleague = make_user("colleague@example.org", role=users["agent"].role,
                          firm=users["agent"].firm)
    filing_id = complete_draft(agent, "trademark")
    web = Browser(app.test_client())
    web.login(colleague.email)
    assert web.get(f"/filings/{filing_id}/edit").status_code == 200
    assert "MEKONG GOLD" in web.get("/filings/drafts").get_data(as_text=True)


def test_staff_may_download_documents(app, agent, tariff, users):
    filing_id = complete_draft(agent, "design")
    (document,) = db.session.get(Filing, filing_id).documents
    staff = Browser(app.test_client())
    staff.login("staff@example.org")
    r = staff.get(f"/filings/documents/{document.id}")
    r.close()
    assert r.status_code == 200


def test_autosave_keeps_the_typing_and_answers_json(agent, tariff):
    filing_id = start(agent, "trademark")
    r = agent.submit(f"/filings/{filing_id}/autosave",
                     {"mark_type": "word", "mark_text": "AUTOSAVED"},
                     page=f"/filings/{filing_id}/edit")
    assert r.status_code == 200 and r.is_json and "saved_at" in r.get_json()
    assert db.session.get(Filing, filing_id).title == "AUTOSAVED"


def test_autosave_after_the_session_ended_is_401_json(app, agent, tariff):
    filing_id = start(agent, "trademark")
    html = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    form_html = html.split('class="form filing-form', 1)[1]
    token = csrf_token(form_html)  # the filing form's own token
    other = Browser(app.test_client())
    other.login("agent@example.org")
    other.submit("/account/sessions/end", page="/account")  # ends the first session
    r = agent.client.post(f"/filings/{filing_id}/autosave",
                          data={"csrf_token": token, "mark_text": "LOST?"},
                          headers={"X-Requested-With": "fetch", "Accept": "application/json"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == 401
    assert db.session.get(Filing, filing_id).title is None


def test_live_fee_preview_follows_the_form_without_saving(agent, tariff):
    filing_id = start(agent, "trademark")
    saved = list(db.session.get(Filing, filing_id).form_data)
    one = agent.submit(f"/filings/{filing_id}/fees", {"goods-0-class_number": "9"},
                       page=f"/filings/{filing_id}/edit").get_json()
    three = agent.submit(f"/filings/{filing_id}/fees", {
        "goods-0-class_number": "9", "goods-1-class_number": "35",
        "goods-2-class_number": "42"}, page=f"/filings/{filing_id}/edit").get_json()
    assert one["currency"] == "KHR"
    assert float(three["total"]) > float(one["total"]) > 0
    assert "KHR" in three["total_text"] or "៛" in three["total_text"]
    reduced = agent.submit(f"/filings/{filing_id}/fees", {
        "goods-0-class_number": "9", "fee_category": "natural_person"},
        page=f"/filings/{filing_id}/edit").get_json()
    assert float(reduced["total"]) < float(one["total"])
    assert any(float(line["amount"]) < 0 for line in reduced["lines"])
    assert db.session.get(Filing, filing_id).form_data == saved


def test_fees_are_shown_on_the_page_after_saving(agent, tariff):
    filing_id = start(agent, "design")
    save(agent, filing_id, {"designs-0-title": "A", "designs-1-title": "B",
                            "designs-2-title": "C"})
    html = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    panel = html.split('class="fee-panel"', 1)[1].split("</section>", 1)[0]
    assert "× 2" in panel  # two designs beyond the first
