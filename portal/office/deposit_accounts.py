"""The office console's deposit accounts: the accounts with their balances, the top-ups paid by
bank transfer that wait for staff, an account's statement, crediting a top-up received, and
manual adjustments with a reason.

Both ways of moving money go through a confirmation step showing the balance before and after:
a top-up's is a GET page in front of its POST; an adjustment's form is posted twice, the second
time with `confirmed`. Each confirmation carries a one-time key, so a double click acts once."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from forms.office_payments import AdjustmentForm, DateRangeForm, TopUpForm
from payments import adjustments
from payments import office as money
from payments.fees import minor_unit
from portal.auth.access import office_required
from portal.office.money import PAGE_SIZE, page_number, staff_user

KEY_LENGTH = 64


def _holder(row) -> str:
    if row.firm_name:
        return row.firm_name
    return f"{row.user_name} ({row.user_email})" if row.user_email else ""


def _account_or_404(account_id: int):
    row = adjustments.account_with_holder(account_id)
    if row is None:
        abort(404)
    return row


def _key() -> str | None:
    key = request.form.get("key", "")
    return key if 16 <= len(key) <= KEY_LENGTH else None


@office_required
def deposits():
    q = request.args.get("q", "").strip()[:100]
    page = money.paged(adjustments.accounts_query(q), page_number(), PAGE_SIZE, entities=False)
    top_ups = money.paged(money.transfers_query(purpose="top_up"), 1, PAGE_SIZE)
    return render_template("office/deposits.html", page=page, q=q, top_ups=top_ups,
                           holder=_holder, number=adjustments.account_number)


def _in_minor_units(form: TopUpForm, currency: str) -> bool:
    """The amount has no more decimals than the currency has (0.125 KHR cannot be paid)."""
    amount = form.amount.data
    unit = minor_unit(currency)
    if amount is None or amount == amount.quantize(unit):
        return True
    form.amount.errors = [*form.amount.errors, _(
        "Enter an amount greater than zero, in %(currency)s with at most %(places)d decimals.",
        currency=currency, places=max(-unit.as_tuple().exponent, 0))]
    return False


def _top_up_form(data) -> TopUpForm:
    """The top-up form of the account page, a GET form (its fields prefixed: the page has two
    amounts)."""
    return TopUpForm(data, prefix="top_up", meta={"csrf": False})


def _account_page(row, *, top_up_form=None, adjust_form=None):
    dates = DateRangeForm(request.args)
    valid = dates.validate()
    since, until = (dates.since.data, dates.until.data) if valid else (None, None)
    statement = money.paged(adjustments.statement_query(row[0].id, since, until), page_number(),
                            PAGE_SIZE, entities=False)
    return render_template(
        "office/deposit_account.html", account=row[0], holder=_holder(row),
        number=adjustments.account_number(row[0].id), statement=statement, dates=dates,
        args={k: v for k, v in (("since", since), ("until", until)) if v},
        top_up_form=top_up_form or _top_up_form(request.args),
        adjust_form=adjust_form or AdjustmentForm(formdata=None))


@office_required
def account(account_id: int):
    return _account_page(_account_or_404(account_id))


@office_required
def top_up(account_id: int):
    """GET: the confirmation step (balance before and after); POST: credit the account."""
    row = _account_or_404(account_id)
    if request.method == "GET":
        form = _top_up_form(request.args)
        account = row[0]
        if not form.validate() or not _in_minor_units(form, account.currency):
            return _account_page(row, top_up_form=form)
        return render_template("office/deposit_top_up.html", account=account,
                               holder=_holder(row), number=adjustments.account_number(account.id),
                               form=form, after=account.balance + form.amount.data,
                               key=uuid.uuid4().hex)
    form = TopUpForm()
    if not form.validate_on_submit() or not _in_minor_units(form, row[0].currency):
        typed = _top_up_form(MultiDict({"top_up-amount": request.form.get("amount", ""),
                                        "top_up-note": request.form.get("note", "")}))
        if typed.validate():
            _in_minor_units(typed, row[0].currency)
        return _account_page(row, top_up_form=typed)
    try:
        done = money.top_up(account_id, form.amount.data, form.note.data, staff_user(),
                            key=_key())
    except LookupError:
        abort(404)
    flash(_("The deposit account has been credited.") if done
          else _("This top-up had already been credited."), "success")
    return redirect(url_for("office.deposit_account", account_id=account_id))


@office_required
def adjust(account_id: int):
    """A credit or debit by hand: the form, then the confirmation step, then the change."""
    row = _account_or_404(account_id)
    account = row[0]
    form = AdjustmentForm()
    if not form.validate_on_submit() or request.form.get("confirmed") == "no":
        return _account_page(row, adjust_form=form)
    try:
        if request.form.get("confirmed") != "yes":
            preview = adjustments.preview_adjustment(account, form.direction.data,
                                                     form.amount.data)
            return render_template("office/deposit_adjust.html", account=account,
                                   holder=_holder(row), form=form, preview=preview,
                                   number=adjustments.account_number(account.id),
                                   key=uuid.uuid4().hex)
        done = adjustments.adjust_balance(account.id, direction=form.direction.data,
                                          amount=form.amount.data, reason=form.reason.data,
                                          staff=staff_user(), key=_key())
    except adjustments.AdjustmentError as exc:
        form.amount.errors = [*form.amount.errors, str(exc.message)]
        return _account_page(row, adjust_form=form)
    flash(_("The adjustment has been made.") if done
          else _("This adjustment had already been made."), "success")
    return redirect(url_for("office.deposit_account", account_id=account.id))
