"""The agents' client book: shared inside a firm, invisible outside it, used to fill parties."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.clients.models import Client, PowerOfAttorney
from portal.extensions import db
from portal.filings.models import Filing
from portal.filings.services import office_today
from tests.conftest import Browser, make_user
from tests.filings.conftest import COMPLETE, pdf_bytes, save, start

CLIENT = {"kind": "entity", "name": "Angkor Coffee Co., Ltd.", "name_local": "អង្គរកាហ្វេ",
          "legal_form": "Private limited company", "state_of_incorporation": "KH",
          "address": "12 Norodom Blvd, Phnom Penh", "country": "KH",
          "email": "legal@angkorcoffee.example", "phone": "+855 23 000 000"}


def add_client(web, **changes) -> int:
    r = web.submit("/clients/new", {**CLIENT, **changes})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    return int(re.search(r"/clients/(\d+)", r.headers["Location"]).group(1))


def add_power(web, client_id, **changes):
    import io

    data = {"scope": "general", "valid_from": office_today().isoformat(), "valid_to": "",
            "document": (io.BytesIO(pdf_bytes(1)), "poa.pdf"), **changes}
    return web.submit(f"/clients/{client_id}/powers", data, page=f"/clients/{client_id}",
                      content_type="multipart/form-data")


@pytest.fixture
def colleague(app, users):
    make_user("colleague@example.org", role=users["agent"].role, firm=users["agent"].firm)
    web = Browser(app.test_client())
    web.login("colleague@example.org")
    return web


@pytest.fixture
def rival(app, users):
    make_user("rival@example.org", role=users["agent"].role, organisation="Rival IP")
    web = Browser(app.test_client())
    web.login("rival@example.org")
    return web


def test_a_client_is_kept_once_and_shared_by_the_firm(agent, colleague):
    client_id = add_client(agent)
    assert "Angkor Coffee Co., Ltd." in colleague.get("/clients/").get_data(as_text=True)
    r = colleague.submit(f"/clients/{client_id}", {**CLIENT, "phone": "+855 12 345 678"})
    assert r.status_code == 302
    assert db.session.get(Client, client_id).phone == "+855 12 345 678"


def test_the_book_is_invisible_outside_the_firm(agent, rival, applicant):
    client_id = add_client(agent)
    assert "Angkor" not in rival.get("/clients/").get_data(as_text=True)
    assert rival.get(f"/clients/{client_id}").status_code == 404
    assert rival.submit(f"/clients/{client_id}", CLIENT, page="/clients/new").status_code == 404
    assert rival.submit(f"/clients/{client_id}/delete", page="/clients/").status_code == 404
    assert applicant.get("/clients/").status_code == 404
    assert db.session.get(Client, client_id).name == CLIENT["name"]


def test_a_client_fills_the_applicant_of_a_new_filing(agent, tariff):
    client_id = add_client(agent)
    filing_id = start(agent, "trademark")
    r = save(agent, filing_id, {**COMPLETE["trademark"], "applicants-0-name": "typed",
                                "client_for-applicants-0": str(client_id)},
             action="client:applicants-0")
    assert r.status_code == 302
    html = agent.get(f"/filings/{filing_id}/edit").get_data(as_text=True)
    assert 'value="Angkor Coffee Co., Ltd."' in html and 'value="អង្គរកាហ្វេ"' in html
    assert 'value="MEKONG GOLD"' in html  # the rest of the form is untouched
    assert db.session.get(Filing, filing_id).applicant_names == "Angkor Coffee Co., Ltd."


def test_another_firms_client_cannot_be_used(agent, rival, tariff):
    client_id = add_client(agent)
    filing_id = start(rival, "trademark")
    save(rival, filing_id, {"applicants-0-name": "Mine", "client_for-applicants-0":
                            str(client_id)}, action="client:applicants-0")
    assert db.session.get(Filing, filing_id).applicant_names == "Mine"


def test_powers_of_attorney_with_scope_and_validity(agent, colleague, app):
    client_id = add_client(agent)
    r = add_power(agent, client_id, valid_to=(office_today() + timedelta(days=365)).isoformat())
    assert r.status_code == 302
    (power,) = db.session.get(Client, client_id).powers
    assert power.scope == "general" and power.document.pages == 1
    assert power.is_valid_on(office_today())
    assert "Valid" in colleague.get("/clients/").get_data(as_text=True)
    r = colleague.get(f"/filings/documents/{power.document_id}")
    r.close()
    assert r.status_code == 200


@pytest.mark.parametrize(("changes", "message"), [
    ({"scope": "specific", "scope_note": ""}, "Name the matters the power covers."),
    ({"valid_to": "2000-01-01"}, "The end date cannot be before the start date."),
    ({"valid_from": ""}, "This field is required."),
])
def test_power_of_attorney_input_errors(agent, changes, message):
    client_id = add_client(agent)
    r = add_power(agent, client_id, **changes)
    assert r.status_code == 200 and message in r.get_data(as_text=True)
    assert db.session.query(PowerOfAttorney).count() == 0


def test_a_power_that_is_not_a_pdf_is_refused(agent):
    import io

    client_id = add_client(agent)
    r = add_power(agent, client_id, document=(io.BytesIO(b"not a pdf at all"), "poa.pdf"))
    assert r.status_code == 200 and "not a PDF" in r.get_data(as_text=True)
    assert db.session.query(PowerOfAttorney).count() == 0


def test_removing_a_client_removes_its_powers(agent):
    client_id = add_client(agent)
    add_power(agent, client_id)
    r = agent.submit(f"/clients/{client_id}/delete", page=f"/clients/{client_id}")
    assert r.status_code == 302
    assert db.session.get(Client, client_id) is None
    assert db.session.query(PowerOfAttorney).count() == 0


def test_client_form_errors_keep_what_was_typed(agent):
    r = agent.submit("/clients/new", {**CLIENT, "address": "", "email": "nope"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "This field is required." in html
    assert 'value="Angkor Coffee Co., Ltd."' in html and "Enter a valid email address" in html
