"""Every shipped locale renders the main pages in its own language: no English left.

Each page is rendered twice with the same data, in English and in the locale; a piece of visible
text (a text node, or a title/placeholder/aria-label/alt/button value) that comes out the same in
both and still holds an English word is English left over. What the user typed and the office's
own data (names, marks, goods, numbers, emails) are not language of the portal and are taken out
first. Khmer, Lao and Arabic pages must also be written in their script, Arabic right to left.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from payments.models import FeeSchedule
from portal.auth.models import User
from portal.config import LOCALES
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES
from portal.office.models import Office
from tests.conftest import Browser
from tests.filings.conftest import APPLICANT, COMPLETE, complete_draft  # noqa: F401
from tests.orders.conftest import checkout, order_id_of  # noqa: F401
from tests.tracking.conftest import accepted, statuses  # noqa: F401

TRANSLATED = [code for code in LOCALES if code != "en"]
SCRIPTS = {"km": r"[\u1780-\u17FF]", "lo": r"[\u0E80-\u0EFF]", "ar": r"[\u0600-\u06FF]"}
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
COUNTRY = re.compile(r"[^()]+ \([A-Z]{2}\)")
IDENTIFIER = re.compile(r"[\w-]+(?:[.:_][\w-]+)+")
ENGLISH_WORD = re.compile(r"[A-Za-z]*[a-z]{2}[A-Za-z]*")

# Not English but names, codes and words that are the same in the languages concerned.
NOT_LANGUAGE = {
    "PDF", "PNG", "JPEG", "CSV", "JSON", "API", "ICS", "IBAN", "SWIFT", "Nice", "Locarno",
    "PCT", "WIPO", "ST", "Stripe", "Visa", "Mastercard", "OpenAPI", "MiB", "KiB", "KB", "MB",
    "iCalendar", "Google", "Outlook", "Apple", "Thunderbird", "Bearer",
}
# Words that are the same in English and a Latin-script locale.
SAME_WORD = {
    "fr": {"Total", "Description", "Date", "Type", "Code", "Notification", "Notifications",
           "Document", "Documents", "Action", "Actions", "Message", "Version", "Client",
           "Clients", "Note", "Page", "Options", "Instructions", "Signature", "Format", "Email",
           "Agent", "Agents", "Transport", "Service", "Services", "Contact", "Correction"},
    "es": {"Total", "General", "Final", "Error", "Normal", "Email", "Original", "Local"},
    "vi": {"Email"},
}

# A notification as the office wrote it, in one language: the office's text, not the portal's.
OFFICE_SUBJECT, OFFICE_BODY = "Examination report", "Please answer the report."
OFFICE_EVENT = "ev-locale-pages"


class VisibleText(HTMLParser):
    """The pieces of text a reader sees (or hears from a screen reader)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        values = dict(attrs)
        for name in VISIBLE_ATTRIBUTES:
            if values.get(name):
                self.pieces.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.pieces.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.pieces.append(" ".join(data.split()))


def visible(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.pieces


def user_data(app) -> list[str]:
    """What users typed and the office's own data: not the portal's language."""
    values = [v for form in COMPLETE.values() for v in form.values()]
    values += list(APPLICANT.values())
    for user in db.session.scalars(db.select(User)):
        values += [user.full_name or "", user.email, user.organisation or ""]
    office = db.session.scalar(db.select(Office))
    values += [office.name, office.short_name, office.address or "", office.email or ""]
    values += [app.config[k] for k in ("BANK_ACCOUNT_HOLDER", "BANK_NAME", "BANK_SWIFT")]
    values += list(LANGUAGE_NAMES.values()) + [OFFICE_SUBJECT, OFFICE_BODY, OFFICE_EVENT]
    values += list(db.session.scalars(db.select(FeeSchedule.name)))  # the office's own title
    return sorted({v for v in values if isinstance(v, str) and len(v) > 2}, key=len,
                  reverse=True)


def english_left(english: list[str], translated: list[str], data: list[str],
                 code: str) -> list[str]:
    same = set(english) & set(translated)
    left = []
    for piece in sorted(same):
        if COUNTRY.fullmatch(piece):  # Babel's CLDR name, the same in both ("Canada (CA)")
            continue
        if IDENTIFIER.fullmatch(piece):  # a code shown as such: login.succeeded, User:4
            continue
        rest = piece
        for value in data:
            rest = rest.replace(value, " ")
        rest = re.sub(r"\S+@\S+|https?://\S+|(?<!\S)/\S+", " ", rest)
        words = [w for w in ENGLISH_WORD.findall(rest)
                 if w not in NOT_LANGUAGE and w not in SAME_WORD.get(code, ())]
        if words:
            left.append(piece)
    return left


@pytest.fixture
def portal_pages(app, users, tariff, statuses, deposit):  # noqa: F811
    """A filer's world with one of everything, and the pages to look at per account."""
    from portal.tracking.services import record_office_event

    applicant = Browser(app.test_client())
    applicant.login("applicant@example.org")
    draft = complete_draft(applicant, "trademark")
    numbered = accepted(applicant)
    notification = record_office_event(
        numbered, event_id=OFFICE_EVENT, type="notification",
        subject=OFFICE_SUBJECT, body=OFFICE_BODY).notification.id
    in_cart = complete_draft(applicant, "patent")
    applicant.submit(f"/cart/add/{in_cart}", page=f"/filings/{in_cart}/edit")
    order = order_id_of(checkout(applicant, "bank_transfer"))
    other = complete_draft(applicant, "design")
    applicant.submit(f"/cart/add/{other}", page=f"/filings/{other}/edit")
    db.session.commit()
    agent = Browser(app.test_client())
    agent.login("agent@example.org")
    admin = Browser(app.test_client())
    admin.login("admin@example.org")
    anonymous = Browser(app.test_client())
    pages = {
        anonymous: ["/", "/login", "/register", "/password/forgot"],
        applicant: ["/dashboard", "/filings/new", "/filings/drafts", f"/filings/{draft}/edit",
                    f"/filings/{draft}/edit?check=1", f"/filings/{numbered.id}", "/requests/",
                    "/requests/new/renewal", "/cart", "/orders", f"/orders/{order}",
                    "/notifications/", "/account", "/account/password", "/account/tokens",
                    "/account/calendar"],
        agent: ["/dashboard", "/clients/", "/clients/new", "/deposit"],
        admin: ["/office/", "/office/payments", "/office/orders", "/office/users",
                "/office/tariff", "/office/notifications", "/office/audit",
                "/office/deliveries", "/office/deposits"],
    }
    pages[applicant].append(f"/notifications/{notification}")
    emails = {anonymous: None, applicant: "applicant@example.org", agent: "agent@example.org",
              admin: "admin@example.org"}
    return [(emails[web], web, url) for web, urls in pages.items() for url in urls]


def render(email: str | None, web: Browser, url: str, code: str) -> str:
    if email:
        user = db.session.scalar(db.select(User).where(User.email == email))
        user.locale = code
        db.session.commit()
    web.client.set_cookie("lang", code)
    response = web.get(url)
    assert response.status_code == 200, (url, code, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("code", TRANSLATED)
def test_main_pages_are_in_the_locale_with_no_english_left(app, portal_pages, code):
    data = user_data(app)
    problems = {}
    for email, web, url in portal_pages:
        english = visible(render(email, web, url, "en"))
        html = render(email, web, url, code)
        assert f'<html lang="{code}" dir="{"rtl" if code == "ar" else "ltr"}"' in html, url
        if code in SCRIPTS:
            assert re.search(SCRIPTS[code], " ".join(visible(html))), (code, url)
        left = english_left(english, visible(html), data, code)
        if left:
            problems[url] = left
    assert not problems, f"{code}: English left on {problems}"


def test_the_check_finds_english_left_over():
    english = ["Save the draft", "MEKONG GOLD", "Total", "Sokha Chan, applicant"]
    translated = ["Enregistrer le brouillon", "MEKONG GOLD", "Total", "Sokha Chan, applicant"]
    assert english_left(english, translated, ["MEKONG GOLD", "Sokha Chan"], "fr") == [
        "Sokha Chan, applicant"]
    # capitals alone (a mark, a code) are not taken for English words
    assert english_left(english, english, [], "km") == [
        "Save the draft", "Sokha Chan, applicant", "Total"]
