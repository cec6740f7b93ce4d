"""The interchange form of a filing (DESIGN.md): what the back office receives and pulls.

    {id, portal_number, kind, type, submitted_at, accepted_at, reference, office_number,
     local_language, parties, data, documents, fees, payment, links}

`data` is the filing's form as structured values (dates as ISO strings), without the parts
given elsewhere (reference, parties); `documents` carry their metadata, SHA-256 and the API URL
of their bytes; `fees` are the lines frozen on the order; `links` are the API URLs of the
submission itself and of its events (where the back office reports back).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import url_for
from sqlalchemy import select

from payments.models import OrderItem
from portal.extensions import db
from portal.filings.models import Filing
from portal.local_script import local_language

PARTY_LISTS = {"applicants": "applicant", "inventors": "inventor", "designers": "designer"}
PARTY_FORMS = {"holder": "owner", "new_owner": "new_owner", "licensee": "licensee",
               "creditor": "creditor"}
LEFT_OUT = {"csrf_token", "reference", "bulk", *PARTY_LISTS, *PARTY_FORMS}


def plain(value: Any) -> Any:
    """JSON-ready values: ISO dates, strings for decimals, nested dicts and lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "csrf_token"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def interchange(filing: Filing) -> dict:
    from portal.filings.services import stored_form

    form = stored_form(filing)
    data = {name: plain(field.data) for name, field in form._fields.items()
            if name not in LEFT_OUT}
    item = db.session.scalar(select(OrderItem).where(OrderItem.filing_id == filing.id)
                             .order_by(OrderItem.id.desc()).limit(1))
    order = item.order if item else None
    payment = order.payments[-1] if order and order.payments else None
    return {
        "id": filing.uuid,
        "portal_number": filing.portal_number,
        "kind": filing.kind.value,
        "type": filing.filing_type,
        "submitted_at": plain(filing.submitted_at),
        "accepted_at": plain(filing.accepted_at),
        "reference": filing.reference,
        "office_number": filing.office_number,
        # The language of the parties' `name_local` and `address_local` (null: not set).
        "local_language": local_language(),
        "parties": _parties(filing, form),
        "data": data,
        "documents": [{
            "id": d.id, "slot": d.slot, "kind": d.kind, "filename": d.filename,
            "media_type": d.media_type, "size": d.size, "pages": d.pages, "sha256": d.sha256,
            "url": url_for("api.SubmissionDocument", submission_id=filing.id, document_id=d.id,
                           _external=True),
        } for d in filing.documents],
        "fees": {
            "currency": order.currency if order else None,
            "total": str(item.total) if item else None,
            "lines": [{"code": f.code, "label": f.label, "quantity": f.quantity,
                       "unit_amount": str(f.unit_amount), "amount": str(f.amount)}
                      for f in (item.fees if item else [])],
        },
        "payment": {"method": order.method if order else None,
                    "order": order.number if order else None,
                    "reference": payment.provider_reference if payment else None,
                    "paid_at": plain(order.paid_at) if order else None},
        "links": {
            "self": url_for("api.SubmissionView", submission_id=filing.id, _external=True),
            "events": url_for("api.SubmissionEvents", submission_id=filing.id, _external=True),
        },
    }


def _parties(filing: Filing, form) -> list[dict]:
    parties = []
    for name, role in PARTY_LISTS.items():
        if name in form._fields:
            for entry in form[name].filled():
                parties.append({"role": role, **plain(entry.form.data)})
    for name, role in PARTY_FORMS.items():
        if name in form._fields:
            parties.append({"role": role, **plain(form[name].form.data)})
    owner = filing.owner
    if owner.role.value == "agent":
        parties.append({"role": "representative", "name": owner.full_name,
                        "firm": owner.firm.name if owner.firm else None,
                        "agent_number": owner.agent_number, "email": owner.email})
    for party in parties:
        party.pop("client_id", None)
    return parties
