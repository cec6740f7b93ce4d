"""The faults the form fuzz (tests/test_form_fuzz.py) found, one by one: control characters
(NUL above all, which PostgreSQL refuses in text) in what a form posts are a form error that
keeps the text typed; a draft keeps what was typed without them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from tests.conftest import Browser

CONTROL_MESSAGE = "invisible control characters"


def test_a_nul_in_the_login_email_is_a_form_error_not_a_500(app, users, web):
    """PostgreSQL refuses NUL in text: the email was looked up as typed (psycopg's DataError)."""
    r = web.submit("/login", {"email": "applicant@example.org\x00", "password": "x\x00y"})
    assert r.status_code == 200
    assert CONTROL_MESSAGE in r.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["Lotus\x00 Foods", "Lotus\x1b[31m Foods", "Lotus\ufffe"])
def test_control_characters_are_refused_with_the_text_kept(app, users, typed):
    from portal.clients.models import Client

    web = Browser(app.test_client())
    web.login("agent@example.org")
    before = db.session.scalar(select(func.count()).select_from(Client))
    r = web.submit("/clients/new", {
        "kind": "entity", "name": typed, "legal_form": "Public company",
        "state_of_incorporation": "KH", "address": "4 Quay, Phnom Penh", "country": "KH"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert CONTROL_MESSAGE in page and "4 Quay, Phnom Penh" in page
    assert db.session.scalar(select(func.count()).select_from(Client)) == before


def test_tabs_new_lines_and_bidirectional_marks_are_text(app, users):
    from portal.clients.models import Client

    web = Browser(app.test_client())
    web.login("agent@example.org")
    name = "\u202bمؤسسة اللوتس\u202c\tLotus"
    r = web.submit("/clients/new", {
        "kind": "entity", "name": name, "legal_form": "Public company",
        "state_of_incorporation": "KH", "address": "4 Quay\r\nPhnom Penh", "country": "KH"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert db.session.scalar(select(Client.name).where(Client.name == name)) == name


def test_a_draft_keeps_what_was_typed_without_control_characters(app, users):
    from portal.filings.models import Filing
    from tests.filings.conftest import start

    web = Browser(app.test_client())
    web.login("applicant@example.org")
    filing_id = start(web, "trademark")
    r = web.submit(f"/filings/{filing_id}/autosave", {"reference": "MK\x00-001\x07",
                                                      "mark_text": "MEKONG\x00 GOLD"},
                   page=f"/filings/{filing_id}/edit")
    assert r.status_code == 200
    filing = db.session.get(Filing, filing_id)
    assert filing.reference == "MK-001"
    assert ["mark_text", "MEKONG GOLD"] in filing.form_data


def test_a_multipart_part_without_a_name_is_ignored(app, users):
    """Werkzeug keeps a part without a name under the key None, on which the lists of sub-forms
    (FieldList) failed: a 500 on every page with a list (the fuzz found it on the requests)."""
    from portal.filings.models import Filing
    from tests.conftest import csrf_token
    from tests.filings.conftest import start

    web = Browser(app.test_client())
    web.login("applicant@example.org")
    filing_id = start(web, "trademark")
    url = f"/filings/{filing_id}/edit"
    csrf = csrf_token(web.get(url).get_data(as_text=True))
    body = (f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
            '--B\r\nContent-Disposition: form-data; name="reference"\r\n\r\nMK-9\r\n'
            '--B\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n'
            '--B\r\nContent-Disposition: form-data; name="action"\r\n\r\nsave\r\n--B--\r\n')
    r = web.client.post(url, data=body.encode(), content_type="multipart/form-data; boundary=B")
    assert r.status_code == 302
    assert ["reference", "MK-9"] in db.session.get(Filing, filing_id).form_data
