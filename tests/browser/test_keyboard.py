"""The portal with the keyboard alone: a whole trademark application, from the choice of kind to
the cart, typed and moved through with Tab, Shift+Tab, arrows, Space and Enter (no click, no
fill()); the skip link; and where the focus goes when a form comes back with errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WAIT = 30_000  # ms: the machine may be busy; a page that never comes still fails

ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'body';
  return el.id ? '#' + el.id : el.tagName.toLowerCase() + ':' + (el.name || '') + ':' +
    (el.value || el.textContent || '').trim().slice(0, 60);
}"""


def active(page: Page) -> str:
    return page.evaluate(ACTIVE)


def tab_to(page: Page, selector: str, *, back: bool = False, limit: int = 150) -> None:
    """Press Tab (Shift+Tab with `back`) until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"Tab never reached {selector}; the focus is on {active(page)}")


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page: Page, selector: str, typed: str) -> None:
    """A closed <select>: type the start of an option's label (the browser's type-ahead)."""
    tab_to(page, selector)
    page.keyboard.type(typed, delay=20)


def saved(app, filing_id: int) -> dict:
    from portal.extensions import db
    from portal.filings.models import Filing

    with app.app_context():
        return dict(db.session.get(Filing, filing_id).form_data)


def test_a_trademark_application_filled_and_filed_with_the_keyboard_alone(page: Page,
                                                                          live_server):
    from tests.conftest import make_user

    base = live_server.url
    with live_server.app.app_context():
        make_user("applicant@example.org", full_name="Sokha Chan")
    log_in(page, base, "applicant@example.org", PASSWORD)
    page.goto(f"{base}/filings/new")

    # The first stop is the skip link; Enter puts the focus on the main content.
    page.keyboard.press("Tab")
    assert active(page).startswith("a::Skip to main content")
    page.keyboard.press("Enter")
    assert active(page) == "#main"
    tab_to(page, "form:has(input[name=kind][value=trademark]) button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"), timeout=WAIT)
    filing_id = int(re.search(r"/filings/(\d+)/edit", page.url).group(1))

    type_into(page, "#reference", "KB-2026-07")
    choose(page, "#mark_type", "Word")
    tab_to(page, "[name=category]")  # the group's first radio; arrows choose within it
    assert active(page) == "#category-0"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.querySelector('#category-0').checked")
    type_into(page, "#mark_text", "MEKONG MORNING")
    type_into(page, "#translation", "no meaning")

    choose(page, "#goods-0-class_number", "30")
    type_into(page, "#goods-0-terms", "coffee; tea")
    tab_to(page, "button[value='add:goods']")
    page.keyboard.press("Enter")  # saves and adds a second class
    expect(page.locator("#goods-1-class_number")).to_be_attached(timeout=WAIT)
    page.wait_for_load_state()
    # The page comes back at the list of classes, with the focus on it: the next Tab goes on
    # from there, not from the top of the page.
    assert active(page) == "#section-goods"
    tab_to(page, "#goods-1-class_number", limit=8)
    page.keyboard.type("43", delay=20)
    type_into(page, "#goods-1-terms", "cafe services")

    tab_to(page, "[name='applicants-0-kind']")
    assert active(page) == "#applicants-0-kind-0"  # a person
    page.keyboard.press("Space")
    type_into(page, "#applicants-0-name", "Sokha Chan")
    type_into(page, "#applicants-0-address", "12 Street 51, Phnom Penh")
    choose(page, "#applicants-0-country", "Cambodia")
    choose(page, "#applicants-0-nationality", "Cambodia")
    # Back up with Shift+Tab to correct the reference typed first.
    tab_to(page, "#reference", back=True)
    page.keyboard.press("End")
    page.keyboard.type("-B")

    tab_to(page, "button[value=check]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"check=1"), timeout=WAIT)
    page.wait_for_load_state()
    assert active(page) == "#problems"  # the result of the check has the focus
    expect(page.locator("#problems")).to_contain_text("The application is complete",
                                                      timeout=WAIT)

    tab_to(page, "form[action$='/cart'] button, .side-actions form:first-child button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cart$"), timeout=WAIT)
    expect(page.locator("main")).to_contain_text("MEKONG MORNING", timeout=WAIT)
    data = saved(live_server.app, filing_id)
    assert {k: data[k] for k in (
        "reference", "mark_type", "category", "mark_text", "translation",
        "goods-0-class_number", "goods-0-terms", "goods-1-class_number", "goods-1-terms",
        "applicants-0-kind", "applicants-0-name", "applicants-0-address",
        "applicants-0-country", "applicants-0-nationality")} == {
        "reference": "KB-2026-07-B", "mark_type": "word", "category": "individual",
        "mark_text": "MEKONG MORNING", "translation": "no meaning",
        "goods-0-class_number": "30", "goods-0-terms": "coffee; tea",
        "goods-1-class_number": "43", "goods-1-terms": "cafe services",
        "applicants-0-kind": "person", "applicants-0-name": "Sokha Chan",
        "applicants-0-address": "12 Street 51, Phnom Penh", "applicants-0-country": "KH",
        "applicants-0-nationality": "KH"}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_skip_link_shows_when_focused_and_moves_the_focus_to_the_content(page: Page,
                                                                            live_server, lang):
    base = live_server.url
    page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    page.goto(f"{base}/register")
    skip = page.locator(".skip-link")
    assert skip.bounding_box()["y"] + skip.bounding_box()["height"] <= 0  # out of sight
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    box = skip.bounding_box()
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["width"] >= 24 and box["height"] >= 24
    start_side = box["x"] < viewport["width"] / 2
    assert start_side is (lang == "en")  # at the start of the line: the right in Arabic
    page.keyboard.press("Enter")
    assert active(page) == "#main"
    page.keyboard.press("Tab")  # and the next stop is in the content, past the header
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_after_a_form_error_the_focus_is_on_the_error_summary_then_on_the_field(page: Page,
                                                                               live_server):
    base = live_server.url
    page.goto(f"{base}/register")
    tab_to(page, "#email")
    page.keyboard.type("not-an-address")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_visible(timeout=WAIT)
    assert page.evaluate("document.activeElement.classList.contains('error-summary')"), \
        active(page)
    page.keyboard.press("Tab")  # the first error's link, then to its field
    first_link = page.locator(".error-summary a").first.get_attribute("href")
    assert page.evaluate("document.activeElement.getAttribute('href')") == first_link
    page.keyboard.press("Enter")
    assert active(page) == first_link
    expect(page.locator("#email")).to_have_value("not-an-address")  # nothing typed is lost


def test_a_check_with_problems_puts_the_focus_on_them(page: Page, live_server):
    base = live_server.url
    log_in(page, base, "agent@example.org", PASSWORD)
    page.goto(f"{base}/filings/new")
    tab_to(page, "form:has(input[name=kind][value=trademark]) button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"), timeout=WAIT)
    type_into(page, "#mark_text", "LOTUS")
    tab_to(page, "button[value=check]")
    page.keyboard.press("Enter")
    expect(page.locator("#problems")).to_contain_text("problems stop this application",
                                                      timeout=WAIT)
    page.wait_for_load_state()
    assert active(page) == "#problems"
    page.keyboard.press("Tab")
    link = page.evaluate("document.activeElement.getAttribute('href')")
    assert link and link.startswith("#")
    page.keyboard.press("Enter")
    assert active(page) == link  # on the field (or the group of fields) to correct
    expect(page.locator("#mark_text")).to_have_value("LOTUS", timeout=WAIT)
