"""An agent pays two filings by card (Stripe, through localstripe), downloads the receipt,
and sees the portal numbers. Stripe.js cannot load offline: the test confirms the
PaymentIntent server-side exactly as Stripe.js would; everything after that runs for real."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.payments.stripe_server import SECRET_KEY, WEBHOOK_SECRET, localstripe_url  # noqa: F401

pytestmark = pytest.mark.browser


def drafts_in_cart(app, kinds=("trademark", "design")) -> None:
    import io

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from payments.cart import add_to_cart
    from portal.auth.models import User
    from portal.extensions import db
    from portal.filings.documents import attach_upload
    from portal.filings.models import IPKind
    from portal.filings.services import assign_design_keys, create_draft, save_draft, stored_form
    from tests.filings.conftest import APPLICANT, COMPLETE

    with app.test_request_context("/"):
        user = db.session.scalar(db.select(User).where(User.email == "agent@example.org"))
        for kind in kinds:
            filing = create_draft(user, IPKind(kind))
            save_draft(filing, [[k, v] for k, v in {**COMPLETE[kind], **APPLICANT}.items()])
            if kind == "design":
                form = stored_form(filing)
                assign_design_keys(form)
                from portal.filings.services import form_to_pairs

                save_draft(filing, form_to_pairs(form))
                key = stored_form(filing).designs.entries[0].form.key.data
                png = io.BytesIO()
                Image.new("RGB", (64, 64), (1, 2, 3)).save(png, "PNG")
                png.seek(0)
                attach_upload(filing, f"design:{key}", "design_view", FileStorage(png, "v.png"),
                              replace=False)
                save_draft(filing, filing.form_data)
            add_to_cart(user, filing)
        db.session.commit()


def test_pay_two_filings_by_card_and_download_the_receipt(page: Page, live_server,
                                                          localstripe_url, tmp_path):  # noqa: F811
    from payments.providers.stripe.client import close_client
    from tests.payments.stripe_server import pay_intent

    app = live_server.app
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=localstripe_url,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    drafts_in_cart(app)
    base = live_server.url
    log_in(page, base, "agent@example.org", PASSWORD)
    page.goto(f"{base}/cart")
    expect(page.locator(".cart-table tbody tr")).to_have_count(2)
    page.get_by_label("Card (Visa, Mastercard, …)").check()
    page.get_by_role("button", name=re.compile("Check out and pay")).click()
    expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    order_url = page.url

    with app.app_context():
        from payments.models import Order
        from portal.extensions import db

        order = db.session.scalar(db.select(Order))
        intent = order.payment.provider_reference
        pay_intent(intent)  # what Stripe.js does with the card details in the browser
        close_client(app)
    page.goto(f"{order_url}/return?payment_intent={intent}&redirect_status=succeeded")
    expect(page.locator(".flash--success")).to_contain_text("payment was received")
    numbers = page.locator("td strong").all_inner_texts()
    assert any(n.startswith("EF-TM-") for n in numbers)
    assert any(n.startswith("EF-ID-") for n in numbers)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the receipt")).click()
    path = tmp_path / "receipt.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
