"""Office staff read the mail that the embedded mode keeps instead of sending."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Browser, link_in, stored_mails


@pytest.fixture
def staff(app, users):
    web = Browser(app.test_client())
    web.login("staff@example.org")
    return web


def test_staff_read_a_kept_confirmation_mail_and_its_link_works(app, web, staff):
    web.submit("/register", {"account_type": "applicant", "party_kind": "person",
                             "full_name": "Kanha Ouk", "email": "kanha@example.org",
                             "password": "amber-kettle-violin-harbour",
                             "confirm": "amber-kettle-violin-harbour", "locale": "en"})
    listing = staff.get("/office/mail").get_data(as_text=True)
    assert "kanha@example.org" in listing and "Confirm your email address" in listing
    (path,) = (Path(app.config["PORTAL_DATA_DIR"]) / "mail").glob("*.eml")
    name = path.name
    page = staff.get(f"/office/mail/{name}").get_data(as_text=True)
    assert "Hello Kanha Ouk," in page
    link = link_in(stored_mails(app)[0])
    assert f'<a href="http://localhost{link}">' in page
    assert web.get(link).status_code == 302


def test_search_by_recipient_and_paging(app, staff):
    from portal.mail import deliver
    from portal.office.views import PAGE_SIZE

    with app.test_request_context("/"):
        from portal.mail import build_message

        for i in range(PAGE_SIZE + 3):
            deliver(build_message(f"user{i}@example.org", "Subject", "password_changed",
                                  "en", user=type("U", (), {"full_name": f"User {i}"})))
    first = staff.get("/office/mail").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = staff.get("/office/mail?page=2").get_data(as_text=True)
    assert second.count("user") >= 3
    found = staff.get("/office/mail?q=user7@").get_data(as_text=True)
    assert "user7@example.org" in found and "user8@example.org" not in found


@pytest.mark.parametrize("name", ["../secret_key", "..%2Fsecret_key", "x.eml",
                                  "20260101T000000000000-deadbeef.eml"])
def test_only_stored_messages_can_be_opened(staff, name):
    assert staff.get(f"/office/mail/{name}").status_code == 404


def test_links_to_other_sites_are_not_made_clickable(app, staff):
    from portal.filters import linkify_own

    with app.test_request_context("/", base_url="http://localhost"):
        out = linkify_own("see http://localhost/confirm/abc and https://evil.example/x <b>")
    assert '<a href="http://localhost/confirm/abc">' in out
    assert "evil.example/x" in out and 'href="https://evil' not in out
    assert "&lt;b&gt;" in out
