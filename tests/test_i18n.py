"""Language choice: account setting, then cookie, then Accept-Language; Arabic right-to-left."""

from __future__ import annotations

import re

import pytest

from portal.config import LOCALES
from portal.i18n import LANGUAGE_NAMES
from tests.conftest import Browser, make_user


def html_lang(html: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', html)
    return match.group(1), match.group(2)


def switch(web, code, page="/login"):
    return web.submit("/language", {"locale": code, "next": page}, page=page)


def test_accept_language_decides_when_nothing_was_chosen(client):
    html = client.get("/login", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    assert html_lang(html.get_data(as_text=True)) == ("vi", "ltr")
    html = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert html_lang(html) == ("en", "ltr")


def test_switching_language_sets_a_cookie_that_sticks(web):
    r = switch(web, "km")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    cookie = web.client.get_cookie("lang")
    assert cookie.value == "km" and cookie.http_only
    html = web.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert html_lang(html) == ("km", "ltr")
    assert "ចូល" in html  # Khmer for "log in" appears on the page


def test_arabic_is_laid_out_right_to_left(web):
    switch(web, "ar")
    html = web.get("/register").get_data(as_text=True)
    assert html_lang(html) == ("ar", "rtl")


@pytest.mark.parametrize("code", [c for c in LOCALES if c != "en"])
def test_every_locale_translates_the_login_page(client, code):
    client.set_cookie("lang", code)
    html = client.get("/login").get_data(as_text=True)
    assert html_lang(html)[0] == code
    for english in ("Forgot your password?", "Email address", "Create an account",
                    "Skip to main content"):
        assert english not in html, (code, english)


def test_an_unknown_language_code_is_refused_with_a_message(web):
    r = switch(web, "xx")
    assert r.status_code == 302
    html = web.get("/login").get_data(as_text=True)
    assert "That language is not available." in html
    assert web.client.get_cookie("lang") is None


def test_a_forged_cookie_value_is_ignored(client):
    client.set_cookie("lang", "../../etc")
    assert html_lang(client.get("/login").get_data(as_text=True))[0] == "en"


def test_the_language_switcher_lists_every_language_in_its_own_script(client):
    html = client.get("/").get_data(as_text=True)
    for code, name in LANGUAGE_NAMES.items():
        assert f'value="{code}" lang="{code}"' in html
        assert name in html


def test_the_switcher_does_not_redirect_to_another_site(web):
    r = web.submit("/language", {"locale": "fr", "next": "https://evil.example/"}, page="/")
    assert r.headers["Location"] == "/"


def test_logged_in_choice_is_saved_on_the_account(app, users):
    web = Browser(app.test_client())
    web.login("applicant@example.org")
    switch(web, "lo", page="/dashboard")
    assert users["applicant"].locale == "lo"
    # another device, with another cookie and browser language, gets the account's choice
    other = Browser(app.test_client())
    other.client.set_cookie("lang", "fr")
    other.login("applicant@example.org")
    html = other.get("/dashboard", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert html_lang(html)[0] == "lo"


def test_account_page_sets_the_preferred_language(app, users):
    web = Browser(app.test_client())
    web.login("agent@example.org")
    r = web.submit("/account/language", {"locale": "es"}, page="/account")
    assert r.status_code == 302
    assert users["agent"].locale == "es"
    r = web.submit("/account/language", {"locale": "zz"}, page="/account")
    assert users["agent"].locale == "es"
    html = web.get("/account").get_data(as_text=True)
    assert 'class="flash flash--error"' in html and html_lang(html)[0] == "es"


def test_mail_goes_out_in_the_recipients_language(app, users):
    from tests.conftest import stored_mails

    make_user("kh@example.org", locale="km")
    web = Browser(app.test_client())
    web.client.set_cookie("lang", "fr")  # the sender's page language does not matter
    web.submit("/password/forgot", {"email": "kh@example.org"})
    (mail,) = stored_mails(app)
    assert mail["Content-Language"] == "km"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert re.search(r"[\u1780-\u17FF]", text) and re.search(r"[\u1780-\u17FF]", mail["Subject"])
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert 'lang="km"' in html
