"""What the filing endpoints answer: plain values in the shapes of portal.api.filing_schemas."""

from __future__ import annotations

from sqlalchemy import select

from payments.cart import CartLine
from payments.models import Order, OrderItem
from portal.api.filing_data import form_json
from portal.extensions import db
from portal.filings import fees as filing_fees
from portal.filings import services
from portal.filings.models import Filing


def summary(filing: Filing) -> dict:
    return {"id": filing.id, "uuid": filing.uuid, "kind": filing.kind.value,
            "type": filing.filing_type, "status": filing.status.value,
            "reference": filing.reference, "title": filing.title,
            "portal_number": filing.portal_number, "office_number": filing.office_number,
            "problems": filing.problems, "created_at": filing.created_at,
            "updated_at": filing.updated_at, "submitted_at": filing.submitted_at,
            "accepted_at": filing.accepted_at}


def detail(filing: Filing) -> dict:
    form = services.stored_form(filing)
    return {**summary(filing), "data": form_json(form),
            "documents": [document_json(d) for d in filing.documents],
            "fees": fees_json(filing, form)}


def document_json(document) -> dict:
    return {"id": document.id, "slot": document.slot or "", "kind": document.kind,
            "filename": document.filename, "media_type": document.media_type,
            "size": document.size, "sha256": document.sha256, "pages": document.pages}


def quote_json(quote) -> dict:
    return {"currency": quote.currency, "total": str(quote.total),
            "lines": [{"code": line.code, "label": str(line.label), "quantity": line.quantity,
                       "amount": str(line.amount)} for line in quote.lines]}


def fees_json(filing: Filing, form) -> dict | None:
    """A draft's fees as priced today; afterwards the fees frozen on its order."""
    if filing.is_draft:
        return quote_json(filing_fees.quote_filing(filing, form))
    item = db.session.scalar(select(OrderItem).where(OrderItem.filing_id == filing.id)
                             .order_by(OrderItem.id.desc()).limit(1))
    if item is None:
        return None
    return {"currency": item.order.currency, "total": str(item.total),
            "lines": [{"code": f.code, "label": f.label, "quantity": f.quantity,
                       "amount": str(f.amount)} for f in item.fees]}


def problems_json(problems) -> list[dict]:
    return [{"field": p.field_id, "label": p.label, "message": p.message} for p in problems]


def cart_line_json(line: CartLine) -> dict:
    filing = line.filing
    return {"filing_id": filing.id, "kind": filing.kind.value, "type": filing.filing_type,
            "title": filing.title, "reference": filing.reference, "ready": line.ready,
            "problems": problems_json(line.problems), "fees": quote_json(line.quote)}


def order_json(order: Order) -> dict:
    return {"id": order.id, "number": order.number, "state": order.state.value,
            "method": order.method, "currency": order.currency, "total": str(order.total),
            "created_at": order.created_at, "paid_at": order.paid_at,
            "items": [{"filing_id": item.filing_id, "kind": item.filing.kind.value,
                       "type": item.filing.filing_type, "reference": item.filing.reference,
                       "status": item.filing.status.value,
                       "portal_number": item.filing.portal_number, "total": str(item.total)}
                      for item in order.items]}


