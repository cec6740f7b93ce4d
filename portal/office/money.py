"""The office console's payments: bank transfers to confirm or reject, orders by state, amount
mismatches reported by the card provider, refunds with their credit notes.

Confirming or rejecting a transfer moves money: a page first repeats the order, the payer, the
amount and the booking date (or asks for the reason), and only its POST acts. The logic is in
payments.office and payments.refunds; these views read the request and pick the page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.office import ConfirmTransferForm, RefundForm
from forms.office_payments import DateRangeForm, RejectTransferForm
from payments import office as money
from payments.models import Order, OrderState, PaymentState
from portal.auth.access import office_required
from portal.extensions import db

PAGE_SIZE = 50
PURPOSES = ("filings", "top_up")


def page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def staff_user():
    return current_user._get_current_object()


@office_required
def payments():
    q = request.args.get("q", "").strip()[:100]
    purpose = request.args.get("purpose", "")
    purpose = purpose if purpose in PURPOSES else ""
    page = money.paged(money.transfers_query(q, purpose=purpose or None), page_number(),
                       PAGE_SIZE)
    return render_template("office/payments.html", page=page, q=q, purpose=purpose)


def _transfer_or_404(payment_id: int):
    payment = money.transfer(payment_id)
    if payment is None:
        abort(404)
    return payment


@office_required
def confirm_transfer(payment_id: int):
    """GET: the confirmation step (the booking date, then what will be confirmed); POST: do it."""
    payment = _transfer_or_404(payment_id)
    if request.method == "GET":
        form = ConfirmTransferForm(request.args, meta={"csrf": False})
        ready = "booked_on" in request.args and form.validate()
        return render_template("office/transfer_confirm.html", payment=payment, form=form,
                               ready=ready and payment.state is PaymentState.PENDING)
    form = ConfirmTransferForm()
    if not form.validate_on_submit():
        return render_template("office/transfer_confirm.html", payment=payment, form=form,
                               ready=False)
    top_up = payment.order.purpose == "top_up"
    try:
        done = money.confirm_transfer(payment_id, form.booked_on.data, staff_user())
    except LookupError:
        abort(404)
    except money.TransferError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("office.payments"))
    if not done:
        flash(_("This transfer had already been confirmed."), "success")
    elif top_up:
        flash(_("The transfer is confirmed and the deposit account credited."), "success")
    else:
        flash(_("The transfer is confirmed and the order accepted."), "success")
    return redirect(url_for("office.deposits" if top_up else "office.payments"))


@office_required
def reject_transfer(payment_id: int):
    """GET: the transfer and the reason to mail; POST: reject it and mail the payer."""
    payment = _transfer_or_404(payment_id)
    form = RejectTransferForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("office/transfer_reject.html", payment=payment, form=form)
    try:
        done = money.reject_transfer(payment_id, form.reason.data, staff_user())
    except LookupError:
        abort(404)
    if done:
        flash(_("The transfer was rejected and the payer informed."), "success")
    else:
        flash(_("This transfer was no longer awaiting confirmation: nothing was changed."),
              "error")
    return redirect(url_for("office.payments"))


@office_required
def orders():
    q = request.args.get("q", "").strip()[:100]
    wanted = request.args.get("state", "")
    state = OrderState(wanted) if wanted in set(OrderState) else None
    page = money.paged(money.orders_query(q, state), page_number(), PAGE_SIZE)
    return render_template("office/orders.html", page=page, q=q, wanted=state.value if state
                           else "", states=list(OrderState), counts=money.order_counts(q),
                           mismatches=money.open_mismatches())


@office_required
def mismatches():
    every = request.args.get("show") == "all"
    page = money.paged(money.mismatches_query(open_only=not every), page_number(), PAGE_SIZE,
                       entities=False)
    return render_template("office/mismatches.html", page=page, every=every,
                           states=list(OrderState), counts=money.order_counts(),
                           mismatches=money.open_mismatches())


@office_required
def refunds():
    form = DateRangeForm(request.args)
    valid = form.validate()
    since, until = (form.since.data, form.until.data) if valid else (None, None)
    q = (form.q.data or "").strip() if valid else ""
    page = money.paged(money.refunds_query(since, until, q), page_number(), PAGE_SIZE,
                       entities=False)
    return render_template("office/refunds.html", page=page, form=form,
                           args={k: v for k, v in (("since", since), ("until", until), ("q", q))
                                 if v})


def _order_page(order: Order, form: RefundForm | None = None, status: int = 200):
    from payments.refunds import refunded_so_far
    from portal.receipts.services import credit_notes, find_receipt

    payment = order.payment
    return render_template("office/order.html", order=order, payment=payment,
                           form=form if form is not None else RefundForm(formdata=None),
                           receipt=find_receipt(order),
                           notes=credit_notes(order),
                           refunded=refunded_so_far(payment.id) if payment else 0), status


@office_required
def order(order_id: int):
    return _order_page(db.get_or_404(Order, order_id))


@office_required
def refund(order_id: int):
    from payments.refunds import RefundError
    from payments.refunds import refund as make_refund

    order = db.get_or_404(Order, order_id)
    form = RefundForm()
    if not form.validate_on_submit():
        if "item_id" not in request.form and "csrf_token" not in form.errors:
            return _order_page(order, form, 422)  # the refund form again, with what was typed
        for message in [m for _, _, m in form.error_list()]:
            flash(message, "error")
        return redirect(url_for("office.order", order_id=order.id))
    item_id = request.form.get("item_id", type=int)
    try:
        make_refund(order, reason=form.reason.data, staff=staff_user(), item_id=item_id,
                    amount=form.amount.data)
    except RefundError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("office.order", order_id=order.id))
    flash(_("The refund has been made; its credit note is being issued."), "success")
    return redirect(url_for("office.order", order_id=order.id))


@office_required
def receipt_file(receipt_id: int):
    from flask import send_file

    from portal.documents.storage import get_storage
    from portal.receipts.models import Receipt

    receipt = db.get_or_404(Receipt, receipt_id)
    return send_file(get_storage().open(receipt.storage_key), mimetype="application/pdf",
                     as_attachment=True, download_name=f"{receipt.number}.pdf", max_age=0)
