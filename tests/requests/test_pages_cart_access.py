"""The Requests page, starting a request, paying requests with applications, and access."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payments.models import Order, OrderState
from portal.extensions import db
from portal.filings.models import Filing, FilingStatus
from portal.filings.services import stored_form
from tests.orders.conftest import checkout, fill_cart, order_id_of
from tests.requests.conftest import complete_request, start_request


def test_the_requests_page_groups_types_by_kind(agent, tariff):
    page = agent.get("/requests/").get_data(as_text=True)
    for heading in ("Trademark", "Patent", "Industrial design", "Utility model"):
        assert f">{heading}</h2>" in page
    patent = page[page.index('id="group-patent"'):page.index('id="group-design"')]
    assert "Request for substantive examination" in patent and "Annual fee" in patent
    assert "Renewal of a registration" not in patent
    trademark = page[page.index('id="group-trademark"'):page.index('id="group-patent"')]
    assert "Limitation of the goods and services" in trademark
    assert "Annual fee" not in trademark
    assert "/requests/new/renewal?kind=trademark" in trademark


def test_the_requests_page_search(agent, tariff):
    page = agent.get("/requests/?q=licence").get_data(as_text=True)
    assert "Recordal of a licence" in page and "Renewal of a registration" not in page
    page = agent.get("/requests/?q=zzzz").get_data(as_text=True)
    assert "No request matches" in page


def test_starting_a_request_checks_kind_and_number(agent, tariff):
    page = agent.get("/requests/new/renewal?kind=trademark").get_data(as_text=True)
    assert "Renewal of a registration" in page and "Fees" in page
    r = agent.submit("/requests/new/renewal", {"kind": "patent", "number": ""})
    assert r.status_code == 200 and "Choose one of the options offered." in r.get_data(
        as_text=True)
    r = agent.submit("/requests/new/renewal", {"kind": "trademark", "number": "TM/2026/1"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "registration number in the office&#39;s format" in body
    assert 'value="TM/2026/1"' in body  # what was typed is kept
    assert agent.get("/requests/new/no-such-request").status_code == 404
    assert db.session.scalar(db.select(db.func.count(Filing.id))) == 0


def test_the_response_form_is_the_link_target_for_a_notification(agent, tariff):
    """The link target takes the notification's id; one the user cannot see is not linked
    (the inbox's own test, tests/tracking, follows a real notification through)."""
    page = agent.get("/requests/new/response?kind=patent&number=PT/2026/000001"
                     "&notification=42").get_data(as_text=True)
    assert 'name="notification_id" type="hidden" value="42"' in page
    filing_id = start_request(agent, "response", "patent", "PT/2026/000001",
                              notification_id="42")
    form = stored_form(db.session.get(Filing, filing_id))
    assert not form.notification_id.data
    assert form.right_numbers() == ["PT/2026/000001"]


def test_an_agent_appointing_itself_finds_its_details_filled_in(agent, tariff):
    filing_id = start_request(agent, "representative", "trademark")
    form = stored_form(db.session.get(Filing, filing_id))
    assert (form.agent_name.data, form.agent_number.data) == ("Mekong IP", "KH-AG-1")


def test_a_request_and_two_applications_paid_in_one_order(agent, tariff, deposit):
    fill_cart(agent, kinds=("trademark", "patent"))
    request_id = complete_request(agent, "renewal")
    r = agent.submit(f"/cart/add/{request_id}", page=f"/filings/{request_id}/edit")
    assert r.status_code == 302
    cart = agent.get("/cart").get_data(as_text=True)
    assert "Renewal of a registration (trademark)" in cart
    r = checkout(agent, "deposit_account")
    order = db.session.get(Order, order_id_of(r))
    assert order.state is OrderState.PAID and len(order.items) == 3
    request_item = next(i for i in order.items if i.filing_id == request_id)
    assert [(f.code, f.quantity) for f in request_item.fees] == [("TM-REN", 1),
                                                                ("TM-REN-CLASS", 1)]
    assert request_item.total == Decimal("800000.00")
    assert order.total == sum(i.total for i in order.items)
    filing = db.session.get(Filing, request_id)
    assert filing.status is FilingStatus.ACCEPTED
    assert filing.portal_number.startswith("EF-RQ-")
    assert [e.kind for e in filing.events][-2:] == ["paid", "accepted"]
    page = agent.get(f"/filings/{request_id}").get_data(as_text=True)
    assert "Renewal of a registration (trademark)" in page and "Owner" in page


def test_requests_that_cost_nothing_are_filed_without_a_payment(agent, tariff):
    withdrawal = complete_request(agent, "withdrawal")
    response = complete_request(agent, "response")
    for filing_id in (withdrawal, response):
        agent.submit(f"/cart/add/{filing_id}", page=f"/filings/{filing_id}/edit")
    cart = agent.get("/cart").get_data(as_text=True)
    assert "Nothing to pay" in cart and "File them: nothing is due" in cart
    assert 'value="stripe"' not in cart
    order = db.session.get(Order, order_id_of(checkout(agent, "stripe")))
    assert order.method == "no_charge" and order.total == 0
    assert order.state is OrderState.PAID
    assert all(i.filing.status is FilingStatus.ACCEPTED for i in order.items)


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/filings/{id}/edit"), ("get", "/filings/{id}"), ("post", "/filings/{id}/edit"),
    ("post", "/filings/{id}/fees"), ("post", "/filings/{id}/autosave"),
    ("post", "/filings/{id}/copy"), ("post", "/filings/{id}/delete"),
    ("post", "/cart/add/{id}")])
def test_another_users_request_gives_404(agent, applicant, tariff, method, url):
    filing_id = complete_request(agent, "licence")
    target = url.format(id=filing_id)
    if method == "get":
        assert applicant.get(target).status_code == 404
    else:
        r = applicant.submit(target, {"reference": "stolen", "action": "save"},
                             page="/requests/")
        assert r.status_code == 404
    filing = db.session.get(Filing, filing_id)
    assert filing.reference is None and filing.is_draft
    assert db.session.scalar(db.select(db.func.count(Filing.id))) == 1
