"""The cart, checkout, orders with their receipts, and the deposit account statement."""

from __future__ import annotations

import uuid

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from forms.base import PortalForm
from forms.payments import TopUpRequestForm
from payments import cart as carts
from payments import services
from payments.base import ProviderError
from payments.models import Order, OrderState, Payment
from payments.providers.deposit_account import account_of
from payments.registry import providers
from portal.auth.access import filer_required
from portal.auth.models import Role
from portal.documents.storage import get_storage
from portal.extensions import csrf, db, limiter, talisman
from portal.filings.services import get_filing
from portal.receipts.models import Receipt
from portal.receipts.services import credit_notes, ensure_receipts, find_receipt


def _user():
    return current_user._get_current_object()


@filer_required
def cart():
    user = _user()
    lines = carts.cart_lines(user)
    ready = [line for line in lines if line.ready]
    currency = lines[0].quote.currency if lines else None
    total = sum((line.quote.total for line in ready), 0)
    preview = Order(user=user, currency=currency or "", total=total)  # never saved
    if total == 0:  # only requests that cost nothing: filed without a payment
        offered = [providers()["no_charge"]]
    else:
        offered = [p for p in providers().values() if p.id != "no_charge"
                   and (p.is_available(preview) or p.id == "deposit_account")]
    methods = [(p, p.unavailable_reason(preview)) for p in offered] if lines else []
    return render_template("orders/cart.html", lines=lines, ready=ready, total=total,
                           currency=currency, methods=methods, form=PortalForm(),
                           checkout_key=uuid.uuid4().hex)


@filer_required
def add(filing_id: int):
    user = _user()
    filing = get_filing(user, filing_id)
    if not PortalForm().validate_on_submit():
        abort(400)
    try:
        carts.add_to_cart(user, filing)
    except carts.CartError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("filings.edit", filing_id=filing.id))
    flash(_("%(title)s is in your cart.", title=filing.title or filing.type_label), "success")
    return redirect(url_for("orders.cart"))


@filer_required
def remove(filing_id: int):
    if not PortalForm().validate_on_submit() or not carts.remove_from_cart(_user(), filing_id):
        abort(404)
    flash(_("The filing was taken out of the cart. It stays in your drafts."), "success")
    return redirect(url_for("orders.cart"))


@filer_required
def checkout():
    form = PortalForm()
    key = request.form.get("checkout_key", "")
    method = request.form.get("method", "")
    if not form.validate_on_submit() or not 16 <= len(key) <= 64 or method not in providers():
        flash(_("Choose a way of paying."), "error")
        return redirect(url_for("orders.cart"))
    try:
        result = services.checkout(_user(), key, method, locale=str(get_locale()))
    except carts.CartError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("orders.cart"))
    return redirect(url_for("orders.order", order_id=result.order.id))


def _orders_query(user):
    query = select(Order)
    if user.role is Role.AGENT and user.firm_id is not None:
        return query.where(or_(Order.user_id == user.id, Order.firm_id == user.firm_id))
    return query.where(Order.user_id == user.id)


def _order_or_404(order_id: int) -> Order:
    order = db.session.scalar(_orders_query(_user()).where(Order.id == order_id))
    if order is None:
        abort(404)
    return order


@filer_required
def index():
    orders = db.session.scalars(_orders_query(_user()).order_by(Order.id.desc()).limit(200))
    return render_template("orders/index.html", orders=list(orders))


@filer_required
def order(order_id: int):
    order = _order_or_404(order_id)
    receipt = ensure_receipts(order) if order.state is OrderState.PAID else None
    return render_template("orders/order.html", order=order, payment=order.payment,
                           receipt=receipt, notes=credit_notes(order))


def _send(receipt: Receipt | None):
    if receipt is None:
        abort(404)
    return send_file(get_storage().open(receipt.storage_key), mimetype="application/pdf",
                     as_attachment=True, download_name=f"{receipt.number}.pdf", max_age=0)


@filer_required
def receipt(order_id: int):
    order = _order_or_404(order_id)
    return _send(ensure_receipts(order) if order.state is OrderState.PAID else None)


@filer_required
def acknowledgement(order_id: int, filing_id: int):
    order = _order_or_404(order_id)
    if order.state is OrderState.PAID:
        ensure_receipts(order, filing_id)
    return _send(find_receipt(order, "acknowledgement", filing_id))


@filer_required
def credit_note(order_id: int, receipt_id: int):
    order = _order_or_404(order_id)
    return _send(next((n for n in credit_notes(order) if n.id == receipt_id), None))


@filer_required
def deposit(form=None):
    account = account_of(_user())
    movements = list(reversed(account.movements[-200:])) if account else []
    form = form or TopUpRequestForm()
    form.method.choices = [c for c in form.method.choices
                           if providers()[c.value].is_available(
                               Order(user=_user(), currency=account.currency if account else "",
                                     total=0))]
    return render_template("orders/deposit.html", account=account, movements=movements,
                           form=form, checkout_key=uuid.uuid4().hex)


@filer_required
def top_up():
    form = TopUpRequestForm()
    key = request.form.get("checkout_key", "")
    if not form.validate_on_submit() or not 16 <= len(key) <= 64:
        return deposit(form)
    try:
        result = services.start_top_up(_user(), form.amount.data, form.method.data, key,
                                       locale=str(get_locale()))
    except carts.CartError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("orders.deposit"))
    order = result.order
    if order.method == "stripe" and order.state is OrderState.PENDING:
        return redirect(url_for("orders.pay_by_card", order_id=order.id))
    return redirect(url_for("orders.order", order_id=order.id))


@filer_required
def stripe_return(order_id: int):
    """Where Stripe.js sends the payer back: the state is fetched from Stripe, never taken
    from the query string."""
    order = _order_or_404(order_id)
    payment = order.payment
    if payment is not None and payment.provider == "stripe" and order.state is OrderState.PENDING:
        try:
            outcome = services.settle_from_provider(payment, kind="returned")
        except ProviderError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return redirect(url_for("orders.order", order_id=order.id))
        messages = {"confirmed": (_("Thank you: your payment was received."), "success"),
                    "failed": (_("The card payment did not go through. Your filings are drafts "
                                 "again; nothing you entered was lost."), "error"),
                    "pending": (_("The card payment is still being processed."), "info")}
        if outcome in messages:
            flash(*messages[outcome])
    return redirect(url_for("orders.order", order_id=order.id))


@csrf.exempt
@limiter.exempt
def stripe_webhook():
    """Stripe's signed notifications: a trigger to fetch the payment again, never the truth."""
    from payments.providers.stripe.client import WebhookSignatureError, verify_webhook

    try:
        event = verify_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except WebhookSignatureError:
        return jsonify(error={"code": 400, "message": "invalid signature"}), 400
    if not (event.get("type") or "").startswith("payment_intent."):
        return jsonify(status="ignored")
    payment = db.session.scalar(select(Payment).where(
        Payment.provider == "stripe", Payment.provider_reference == event.get("object_id")))
    if payment is None:
        return jsonify(status="unknown payment")
    try:
        outcome = services.settle_from_provider(payment, kind=event["type"],
                                                provider_event_id=event["id"])
    except ProviderError:
        db.session.rollback()
        return jsonify(error={"code": 503, "message": "provider unavailable"}), 503
    return jsonify(status=outcome)


STRIPE_CSP = {"default-src": "'self'", "script-src": "'self' https://js.stripe.com",
              "frame-src": "https://js.stripe.com https://hooks.stripe.com",
              "connect-src": "'self' https://api.stripe.com", "img-src": "'self' data:",
              "style-src": "'self'", "object-src": "'none'", "base-uri": "'self'",
              "form-action": "'self'", "frame-ancestors": "'none'"}


@filer_required
@talisman(content_security_policy=STRIPE_CSP)
def pay_by_card(order_id: int):
    """The card form: Stripe.js (from Stripe, as Stripe requires) collects the card details;
    they never reach the portal. Only this page allows Stripe's hosts."""
    order = _order_or_404(order_id)
    payment = order.payment
    if order.state is not OrderState.PENDING or payment is None or payment.provider != "stripe":
        return redirect(url_for("orders.order", order_id=order.id))
    return render_template("orders/pay_by_card.html", order=order, payment=payment,
                           publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"])
