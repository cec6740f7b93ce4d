"""An agent fills a trademark application with two classes and an image, sees the live fee,
saves, reloads and finds everything; autosave and the copy kept in the browser."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def png_file(tmp_path):
    path = tmp_path / "mark.png"
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 90, 160)).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def fee_total(page: Page) -> str:
    return page.locator(".fee-table tfoot td").inner_text()


def test_trademark_with_two_classes_and_an_image(page: Page, live_server, tmp_path):
    base = live_server.url
    log_in(page, base, "agent@example.org", PASSWORD)
    page.goto(f"{base}/filings/new")
    page.get_by_role("button", name="Start a trademark application").click()
    expect(page).to_have_url(re.compile(r"/filings/\d+/edit$"))
    edit_url = page.url

    page.get_by_label("Your reference", exact=True).fill("AGT-2026-17")
    page.get_by_label("Type of mark").select_option("combined")
    page.get_by_label("Text of the mark").fill("ANGKOR BREW")
    page.get_by_label("Translation").fill("no meaning")
    page.locator("#mark_image").set_input_files(png_file(tmp_path))
    page.get_by_label("Nice class").first.select_option("30")
    page.locator("#goods-0-terms").fill("coffee; tea")
    one_class = fee_total(page)

    page.get_by_role("button", name="Add another class").click()  # saves, with the image
    expect(page.locator("#goods-1-class_number")).to_be_visible()
    page.locator("#goods-1-class_number").select_option("43")
    page.locator("#goods-1-terms").fill("cafe services")
    expect(page.locator(".fee-table tfoot td")).not_to_have_text(one_class)  # live preview
    two_classes = fee_total(page)

    page.locator("#applicants-0-name").fill("Angkor Brew Co., Ltd.")
    page.get_by_label("A legal entity (company, university, institution)").first.check()
    page.locator("#applicants-0-legal_form").fill("Private limited company")
    page.locator("#applicants-0-address").fill("7 Street 240, Phnom Penh")
    page.locator("#applicants-0-country").select_option("KH")
    page.get_by_role("button", name="Save draft").last.click()
    expect(page.locator(".flash--success")).to_be_visible()

    page.goto(edit_url)  # reload: everything is there
    expect(page.get_by_label("Your reference", exact=True)).to_have_value("AGT-2026-17")
    expect(page.get_by_label("Type of mark")).to_have_value("combined")
    expect(page.get_by_label("Text of the mark")).to_have_value("ANGKOR BREW")
    expect(page.locator("#goods-0-class_number")).to_have_value("30")
    expect(page.locator("#goods-1-class_number")).to_have_value("43")
    expect(page.locator("#goods-1-terms")).to_have_value("cafe services")
    expect(page.locator("#applicants-0-legal_form")).to_have_value("Private limited company")
    expect(page.locator("#mark_image-slot .documents a")).to_have_text("mark.png")
    assert fee_total(page) == two_classes

    page.get_by_role("button", name="Check before filing").click()
    expect(page.locator("#problems")).to_contain_text("The application is complete")


def test_autosave_and_the_copy_kept_when_the_session_ends(page: Page, live_server):
    base = live_server.url
    log_in(page, base, "agent@example.org", PASSWORD)
    page.goto(f"{base}/filings/new")
    page.get_by_role("button", name="Start a patent application").click()
    edit_url = page.url
    page.get_by_label("Title of the invention").fill("Solar rice dryer")
    expect(page.locator(".js-save-status")).to_contain_text("Saved", timeout=10_000)
    page.reload()
    expect(page.get_by_label("Title of the invention")).to_have_value("Solar rice dryer")

    page.context.clear_cookies()  # the session ends while the user types
    page.locator("#abstract").fill("Dries rice with the sun and a fan.")
    expect(page.locator(".js-offline")).to_be_visible(timeout=10_000)

    log_in(page, base, "agent@example.org", PASSWORD)
    page.goto(edit_url)
    expect(page.locator(".js-restore")).to_be_visible()
    page.get_by_role("button", name="Restore what I typed").click()
    expect(page.locator("#abstract")).to_have_value("Dries rice with the sun and a fan.")
    expect(page.locator(".js-save-status")).to_contain_text("Saved", timeout=10_000)
    page.reload()
    expect(page.locator("#abstract")).to_have_value("Dries rice with the sun and a fan.")
    expect(page.locator(".js-restore")).to_be_hidden()
