"""Arabic pages: numbers, codes, references and names keep their own order inside right-to-left
text (isolated with <bdi>), arrows point from the state before to the state after, the
console's charts run time from right to left, and the script's saved-at line is translated."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from payments.models import Order
from portal.extensions import db
from portal.filings.models import Filing
from portal.receipts.models import Receipt
from tests.conftest import Browser
from tests.filings.conftest import agent, complete_draft  # noqa: F401  (fixtures)
from tests.orders.conftest import checkout, fill_cart, order_id_of  # noqa: F401
from tests.tracking.conftest import accepted

OFFICE_NUMBER = "TM/2026/000123"


def in_arabic(web: Browser) -> Browser:
    web.client.set_cookie("lang", "ar")
    return web


def page(web: Browser, url: str) -> str:
    response = web.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def direction(html: str) -> str:
    return re.search(r'<html lang="[^"]+" dir="([^"]+)"', html).group(1)


@pytest.fixture
def staff(app, users):
    web = Browser(app.test_client())
    web.login("staff@example.org")
    return web


@pytest.fixture
def paid_order(agent, tariff, deposit):  # noqa: F811
    fill_cart(agent, kinds=("trademark",))
    return db.session.get(Order, order_id_of(checkout(agent, "deposit_account")))


# ---------------------------------------------------------------------------------------------
# Values isolated in tables and lists


def test_dashboard_and_filing_page_isolate_numbers_names_and_references(agent, tariff):  # noqa: F811
    filing = accepted(agent, number=OFFICE_NUMBER)
    filing.registration_number = "KH-R-2026-77"
    db.session.commit()
    in_arabic(agent)

    html = page(agent, "/dashboard")
    assert direction(html) == "rtl"
    assert re.search(rf'<bdi dir="ltr"><a href="[^"]+">{filing.portal_number}</a></bdi>', html)
    assert f'<bdi dir="ltr">{OFFICE_NUMBER}</bdi>' in html
    assert '<bdi dir="ltr">KH-R-2026-77</bdi>' in html
    # Names, titles and the filer's reference take the direction of their own text (auto).
    assert "<bdi>MEKONG GOLD</bdi>" in html and "<bdi>MK-001</bdi>" in html
    assert "<bdi>Sokha Chan</bdi>" in html  # the applicant

    html = page(agent, f"/filings/{filing.id}")
    assert f'<strong><bdi dir="ltr">{filing.portal_number}</bdi></strong>' in html
    assert f'<dd><bdi dir="ltr">{OFFICE_NUMBER}</bdi></dd>' in html
    assert "<dd><bdi>MK-001</bdi></dd>" in html


def test_cart_drafts_and_orders_isolate_titles_references_and_numbers(agent, tariff):  # noqa: F811
    filing_id = fill_cart(agent, kinds=("trademark",))[0]
    in_arabic(agent)

    for url in ("/cart", "/filings/drafts"):
        html = page(agent, url)
        assert direction(html) == "rtl"
        assert "<bdi>MEKONG GOLD</bdi>" in html and "<bdi>MK-001</bdi>" in html, url

    order = db.session.get(Order, order_id_of(checkout(agent, "bank_transfer")))
    assert f'<bdi dir="ltr">{order.number}</bdi>' in page(agent, "/orders")
    html = page(agent, f"/orders/{order.id}")
    reference = order.payment.data["reference"]
    assert f'<strong><bdi dir="ltr">{reference}</bdi></strong>' in html
    assert '<dd><bdi dir="ltr">111-222-333</bdi></dd>' in html  # BANK_ACCOUNT_NUMBER
    assert '<dd><bdi dir="ltr">TESTKHPP</bdi></dd>' in html  # BANK_SWIFT
    assert db.session.get(Filing, filing_id).title == "MEKONG GOLD"


def test_the_order_page_title_is_text_only(agent, staff, paid_order):  # noqa: F811
    """The order page's <title> once carried the credit notes' list (markup as text)."""
    item = paid_order.items[0]
    staff.submit(f"/office/orders/{paid_order.id}/refund",
                 {"item_id": str(item.id), "reason": "Withdrawn by the applicant"},
                 page=f"/office/orders/{paid_order.id}")
    note = db.session.scalar(select(Receipt).where(Receipt.kind == "credit_note"))
    assert note is not None

    html = page(agent, f"/orders/{paid_order.id}")
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert paid_order.number in title and "<" not in title and note.number not in title
    assert note.number in html  # the list is still on the page


# ---------------------------------------------------------------------------------------------
# Arrows


def test_state_arrows_point_from_before_to_after_in_either_direction(staff, paid_order):
    url = f"/office/orders/{paid_order.id}"

    english = page(staff, url)
    assert re.search(r'<bdi dir="ltr">[a-z_]*</bdi> → <bdi dir="ltr">[a-z_]+</bdi>', english)
    assert "←" not in english

    arabic = page(in_arabic(staff), url)
    assert direction(arabic) == "rtl"
    assert re.search(r'<bdi dir="ltr">[a-z_]*</bdi> ← <bdi dir="ltr">[a-z_]+</bdi>', arabic)
    assert "→" not in arabic
    # The payer's name and address, and the receipt number, keep their order too.
    assert '(<bdi dir="ltr">agent@example.org</bdi>)' in arabic
    assert "<bdi>Vanna Keo</bdi>" in arabic


# ---------------------------------------------------------------------------------------------
# Charts


def rect_x(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(w)) for x, w in re.findall(
        r'<rect class="chart__bar" data-value="\d+" x="([\d.]+)"\s+y="[\d.]+" width="([\d.]+)"',
        svg)]


def texts(svg: str) -> list[tuple[float, str]]:
    return [(float(x), anchor) for x, anchor in re.findall(
        r'<text class="chart__(?:tick|label)" x="([\d.]+)" y="[\d.]+"(?: text-anchor="(\w+)")?',
        svg)]


def chart(html: str, chart_id: str) -> str:
    start = html.index(f'id="{chart_id}"')
    return html[start:html.index("</svg>", start)]


def test_the_overview_charts_run_right_to_left_in_arabic(staff, paid_order):
    ltr, rtl = page(staff, "/office/"), page(in_arabic(staff), "/office/")
    assert direction(rtl) == "rtl"

    # One bar a day, oldest first in the page: left to right in English, right to left in
    # Arabic, each bar the mirror image of the English one.
    days_ltr, days_rtl = rect_x(chart(ltr, "chart-accepted")), rect_x(chart(rtl, "chart-accepted"))
    assert len(days_ltr) == len(days_rtl) == 30
    assert [x for x, _ in days_ltr] == sorted(x for x, _ in days_ltr)
    assert [x for x, _ in days_rtl] == sorted((x for x, _ in days_rtl), reverse=True)
    for (x_ltr, width), (x_rtl, _) in zip(days_ltr, days_rtl, strict=True):
        assert x_rtl == pytest.approx(600 - x_ltr - width, abs=0.11)
    # The first day's label under the first bar, the value axis on the start side.
    ticks_ltr, ticks_rtl = texts(chart(ltr, "chart-accepted")), texts(chart(rtl, "chart-accepted"))
    assert ticks_ltr[0] == (38.0, "end") and ticks_rtl[0] == (562.0, "end")
    assert ticks_ltr[-2] == (44.0, "start") and ticks_rtl[-2] == (556.0, "start")

    # Bars of the kinds grow from the start side: from x=0 in English, to x=600 in Arabic.
    kinds_ltr, kinds_rtl = rect_x(chart(ltr, "chart-kinds")), rect_x(chart(rtl, "chart-kinds"))
    assert kinds_ltr and all(x == 0 for x, _ in kinds_ltr)
    assert all(x + width == pytest.approx(600, abs=0.11) for x, width in kinds_rtl)
    assert any(width > 0 for _, width in kinds_rtl)


# ---------------------------------------------------------------------------------------------
# Script texts


def test_the_saved_at_line_is_one_translated_sentence(agent, tariff):  # noqa: F811
    filing_id = complete_draft(agent, "trademark")
    for code in ("en", "ar", "km"):
        agent.client.set_cookie("lang", code)
        html = page(agent, f"/filings/{filing_id}/edit")
        text = re.search(r'data-saved-text="([^"]*)"', html).group(1)
        assert text.count("{when}") == 1, (code, text)  # the script puts the time there
    script = (agent.client.application.static_folder + "/js/filing-form.js")
    with open(script, encoding="utf-8") as source:
        js = source.read()
    assert 'replace("{when}", "\\u2068" + body.saved_at + "\\u2069")' in js
