"""Issuing receipts: after the payment's transaction has committed, each paid order gets its
batch receipt (gap-free number) and one acknowledgement per filing, rendered once, stored with
their SHA-256, and mailed to the payer with the receipt attached.

A receipt is a snapshot: it is built from the order's frozen fee lines and the documents'
recorded hashes, never recomputed.
"""

from __future__ import annotations

import hashlib
import logging

from flask_babel import force_locale, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from payments.fees import office_today
from payments.models import Order, OrderState
from payments.numbering import formatted
from payments.registry import get_provider
from portal.documents.checks import DocumentKind
from portal.documents.storage import get_storage
from portal.extensions import db
from portal.filters import filesize, money
from portal.i18n import office_address, office_name
from portal.jobs.queue import job
from portal.mail import queue_mail
from portal.office.models import current_office
from portal.receipts.models import Receipt

log = logging.getLogger(__name__)

FILING_TYPE_LABELS = {"application": _l("New application")}


def filing_type_label(code: str) -> str:
    from forms.requests.registry import REQUEST_TYPES

    if code in REQUEST_TYPES:
        return str(REQUEST_TYPES[code].LABEL)
    return str(FILING_TYPE_LABELS.get(code, code))


@job("receipts.issue")
def issue_order_receipts(order_id: int) -> None:
    """Render what is missing for a paid order, in a transaction of its own (a background job
    after the payment's commit; a failure leaves the job to be tried again, and the order's
    page issues what is still missing on demand)."""
    _issue(order_id)
    db.session.commit()


def _issue(order_id: int, acknowledgements: set[int] | None = None) -> Receipt | None:
    """The receipt and the acknowledgements still missing: of every filing, or of the
    filings in `acknowledgements` only."""
    order = db.session.get(Order, order_id)
    if order is None or order.state is not OrderState.PAID:
        return None
    receipt = find_receipt(order)
    if receipt is None:
        number = formatted("RCP", office_today().year)
        receipt = _store(order, "receipt", None, number,
                         _render("receipt", receipt_context(order, number)))
        _mail_receipt(order, receipt)
    for item in order.items:
        if acknowledgements is not None and item.filing_id not in acknowledgements:
            continue
        if find_receipt(order, "acknowledgement", item.filing_id) is None:
            number = f"{item.filing.portal_number}-ACK"
            context = acknowledgement_context(order, item, receipt.number)
            _store(order, "acknowledgement", item.filing_id, number,
                   _render("acknowledgement", context))
    return receipt


def find_receipt(order: Order, kind: str = "receipt", filing_id: int | None = None):
    return db.session.scalar(select(Receipt).where(
        Receipt.order_id == order.id, Receipt.kind == kind, Receipt.filing_id == filing_id
        if filing_id is not None else Receipt.filing_id.is_(None)))


def ensure_receipts(order: Order, filing_id: int | None = None) -> Receipt | None:
    """The order's receipt, issuing it now if the background job has not yet; with
    `filing_id`, that filing's acknowledgement too. Only what is asked for is rendered in the
    request (a 200-filing order's acknowledgements are the job's work: rendered here, they
    took minutes). When another process issues one at the same moment, its document is the
    one (one per order and filing, enforced)."""
    receipt = find_receipt(order)
    wanted = set() if filing_id is None else {filing_id}
    if order.state is not OrderState.PAID or (receipt is not None and (
            filing_id is None or find_receipt(order, "acknowledgement", filing_id))):
        return receipt
    try:
        with db.session.begin_nested():
            return _issue(order.id, wanted)
    except IntegrityError:
        return find_receipt(order)


def _render(kind: str, context: dict) -> bytes:
    from portal.receipts import render

    pdf = {"receipt": render.render_receipt,
           "acknowledgement": render.render_acknowledgement}[kind](context)
    return render.sign_pdf(pdf, office=context["office"]["name"] or None,
                           locale=context["locale"])


def _store(order: Order, kind: str, filing_id: int | None, number: str, pdf: bytes) -> Receipt:
    from portal.receipts.render import signing_configured

    key = get_storage().put(pdf, suffix=".pdf")
    receipt = Receipt(order_id=order.id, filing_id=filing_id, kind=kind, number=number,
                      locale=order.locale, storage_key=key, size=len(pdf),
                      sha256=hashlib.sha256(pdf).hexdigest(), signed=signing_configured())
    db.session.add(receipt)
    db.session.flush()
    return receipt


def _office() -> dict:
    # Called inside force_locale(order.locale): the name and address in the reader's language.
    office = current_office()
    return {"name": office_name() if office else "", "address": office_address(),
            "email": office.email if office else ""}


def _item_context(item) -> dict:
    filing = item.filing
    currency = item.order.currency
    return {
        "portal_number": filing.portal_number, "kind": filing.kind.label,
        "filing_type": filing_type_label(filing.filing_type),
        "title": filing.title or "", "applicant": filing.applicant_names or "",
        "applicant_local": filing.names_local or "", "applicants": _applicants(filing),
        "reference": filing.reference or "",
        "accepted_at": format_datetime(filing.accepted_at, "medium"),
        "documents": [{"filename": d.filename, "kind": _kind_label(d.kind), "pages": d.pages,
                       "size": filesize(d.size), "sha256": d.sha256}
                      for d in filing.documents],
        "fees": [{"label": f.label, "quantity": f.quantity,
                  "amount": money(f.amount, currency)} for f in item.fees],
        "total": money(item.total, currency),
    }


def _applicants(filing) -> list[dict[str, str]]:
    """The applicants (a request's owner) by name, in Latin and the local script."""
    from portal.filings.services import stored_form

    form = stored_form(filing)
    if "applicants" in form._fields:
        parties = [entry.form for entry in form.applicants.filled()]
    else:
        parties = [form.holder.form] if "holder" in form._fields else []
    return [{"name": party.name.data.strip(), "name_local": (party.name_local.data or "").strip()}
            for party in parties if (party.name.data or "").strip()]


def _kind_label(kind: str) -> str:
    try:
        return DocumentKind(kind).label
    except ValueError:
        return kind


def receipt_context(order: Order, number: str) -> dict:
    from portal.receipts.render import signing_configured

    payment = order.payment
    with force_locale(order.locale):
        return {
            "locale": order.locale, "office": _office(), "number": number,
            "order_number": order.number,
            "issued_at": format_datetime(order.paid_at, "medium"),
            "payer": {"name": order.user.full_name, "organisation": order.user.organisation,
                      "email": order.user.email},
            "items": [_item_context(item) for item in order.items],
            "total": money(order.total, order.currency), "currency": order.currency,
            "payment": {"method": str(get_provider(payment.provider).label),
                        "reference": payment.provider_reference or "",
                        "paid_at": format_datetime(order.paid_at, "medium")},
            "signed": signing_configured(),
        }


def acknowledgement_context(order: Order, item, receipt_number: str) -> dict:
    with force_locale(order.locale):
        return {"locale": order.locale, "office": _office(), "order_number": order.number,
                "receipt_number": receipt_number, **_item_context(item)}


def _mail_receipt(order: Order, receipt: Receipt) -> None:
    user = order.user
    queue_mail(db.session, user.email, _l("Receipt %(number)s for order %(order)s",
                                          number=receipt.number, order=order.number),
               "order_paid", order.locale, user=user, order=order, receipt=receipt,
               attachments=((get_storage().read(receipt.storage_key),
                             f"{receipt.number}.pdf", "application/pdf"),))


@job("receipts.credit_note")
def issue_credit_note(refund_id: int) -> None:
    """The credit note of a refund, in a transaction of its own (a background job after the
    refund's commit)."""
    _credit_note(refund_id)
    db.session.commit()


def _credit_note(refund_id: int) -> Receipt | None:
    from payments.models import Refund
    from portal.receipts import render

    existing = db.session.scalar(select(Receipt).where(Receipt.refund_id == refund_id))
    refund = db.session.get(Refund, refund_id)
    if existing is not None or refund is None:
        return existing
    order = refund.payment.order
    receipt = ensure_receipts(order)
    number = formatted("CN", office_today().year)
    with force_locale(order.locale):
        label = (f"{refund.item.filing.portal_number} · {refund.item.filing.type_label}"
                 if refund.item else str(_l("Order %(number)s", number=order.number)))
        context = {
            "locale": order.locale, "office": _office(), "currency": order.currency,
            "payer": {"name": order.user.full_name, "organisation": order.user.organisation,
                      "email": order.user.email},
            "number": number, "issued_at": format_datetime(refund.created_at, "medium"),
            "receipt_number": receipt.number if receipt else "",
            "receipt_date": format_datetime(receipt.created_at, "medium") if receipt else "",
            "order_number": order.number,
            "lines": [{"label": label, "amount": money(refund.amount, order.currency)}],
            "total": money(refund.amount, order.currency), "reason": refund.reason,
            "signed": render.signing_configured(),
        }
    pdf = render.sign_pdf(render.render_credit_note(context),
                          office=context["office"]["name"] or None, locale=order.locale)
    note = _store(order, "credit_note", refund.item.filing_id if refund.item else None, number,
                  pdf)
    note.refund_id = refund.id
    return note


def credit_notes(order: Order) -> list[Receipt]:
    return list(db.session.scalars(select(Receipt).where(
        Receipt.order_id == order.id, Receipt.kind == "credit_note").order_by(Receipt.id)))
