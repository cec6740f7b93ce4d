"""The office console: landing page and, in the embedded mode, the mail that was not sent."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from forms.office import ConfirmTransferForm, RefundForm, RejectTransferForm, TopUpForm
from payments import office as money
from payments.models import DepositAccount, Order
from portal.auth.access import office_required
from portal.auth.models import Role, User
from portal.extensions import db
from portal.office import services

PAGE_SIZE = 50


@office_required
def index():
    counts = dict(db.session.execute(
        select(User.role, func.count(User.id)).group_by(User.role)).all())
    unconfirmed = db.session.scalar(
        select(func.count(User.id)).where(User.email_confirmed_at.is_(None))) or 0
    return render_template("office/index.html", counts=counts, roles=list(Role),
                           unconfirmed=unconfirmed,
                           mail_to_files=not current_app.config["MAIL_SERVER"])


@office_required
def mail_list():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    search = request.args.get("q", "")[:254]
    rows, total = services.list_mail((page - 1) * PAGE_SIZE, PAGE_SIZE, search)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("office/mail.html", rows=rows, total=total, page=page, pages=pages,
                           q=search, mail_to_files=not current_app.config["MAIL_SERVER"])


@office_required
def mail_message(name: str):
    found = services.read_mail(name)
    if found is None:
        abort(404)
    meta, text = found
    return render_template("office/mail_message.html", meta=meta, text=text)


@office_required
def payments():
    q = request.args.get("q", "")[:100]
    return render_template("office/payments.html", transfers=money.pending_transfers(q), q=q,
                           confirm_form=ConfirmTransferForm(), reject_form=RejectTransferForm())


def _staff():
    return current_user._get_current_object()


@office_required
def confirm_transfer(payment_id: int):
    form = ConfirmTransferForm()
    if not form.validate_on_submit():
        flash(_("Enter the date the transfer was booked."), "error")
        return redirect(url_for("office.payments"))
    try:
        done = money.confirm_transfer(payment_id, form.booked_on.data, _staff())
    except LookupError:
        abort(404)
    except money.TransferError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("office.payments"))
    flash(_("The transfer is confirmed and the order accepted.") if done
          else _("This transfer had already been confirmed."), "success")
    return redirect(url_for("office.payments"))


@office_required
def reject_transfer(payment_id: int):
    form = RejectTransferForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for rejecting the transfer."), "error")
        return redirect(url_for("office.payments"))
    try:
        money.reject_transfer(payment_id, form.reason.data, _staff())
    except LookupError:
        abort(404)
    flash(_("The transfer was rejected and the payer informed."), "success")
    return redirect(url_for("office.payments"))


@office_required
def deposits():
    accounts = db.session.scalars(db.select(DepositAccount).order_by(DepositAccount.id))
    return render_template("office/deposits.html", accounts=list(accounts), form=TopUpForm())


@office_required
def top_up(account_id: int):
    form = TopUpForm()
    if not form.validate_on_submit():
        for message in [m for _, _, m in form.error_list()]:
            flash(message, "error")
        return redirect(url_for("office.deposits"))
    try:
        money.top_up(account_id, form.amount.data, form.note.data, _staff())
    except LookupError:
        abort(404)
    flash(_("The deposit account has been credited."), "success")
    return redirect(url_for("office.deposits"))


@office_required
def orders():
    q = request.args.get("q", "").strip()[:40]
    query = db.select(Order).order_by(Order.id.desc()).limit(100)
    if q:
        query = query.where(Order.number.ilike(f"%{q}%"))
    return render_template("office/orders.html", orders=list(db.session.scalars(query)), q=q)


@office_required
def order(order_id: int):
    from payments.refunds import refunded_so_far
    from portal.receipts.services import credit_notes, find_receipt

    order = db.get_or_404(Order, order_id)
    payment = order.payment
    return render_template("office/order.html", order=order, payment=payment,
                           form=RefundForm(), receipt=find_receipt(order),
                           notes=credit_notes(order),
                           refunded=refunded_so_far(payment.id) if payment else 0)


@office_required
def refund(order_id: int):
    from payments.refunds import RefundError
    from payments.refunds import refund as make_refund

    order = db.get_or_404(Order, order_id)
    form = RefundForm()
    if not form.validate_on_submit():
        for message in [m for _, _, m in form.error_list()]:
            flash(message, "error")
        return redirect(url_for("office.order", order_id=order.id))
    item_id = request.form.get("item_id", type=int)
    try:
        make_refund(order, reason=form.reason.data, staff=_staff(), item_id=item_id,
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
