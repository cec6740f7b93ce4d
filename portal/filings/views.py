"""New applications: choose a kind, fill the form, save, check, copy, delete; documents."""

from __future__ import annotations

import re

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import format_currency, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.base import PortalForm
from portal.auth.access import filer_required
from portal.clients import services as clients
from portal.documents.models import Document
from portal.documents.storage import get_storage
from portal.extensions import db, talisman
from portal.filings import fees as filing_fees
from portal.filings import requests as request_services
from portal.filings import services
from portal.filings.documents import (
    DocumentRejected,
    attach_upload,
    discard_document,
    may_download,
    upload_slot,
)
from portal.filings.models import IPKind

_PARTY_ENTRY = re.compile(r"^(applicants-\d+|holder|new_owner|licensee|creditor)$")
BULK_FILE_LIMIT = 2 * 1024 * 1024


@filer_required
def new():
    form = PortalForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            kind = IPKind(request.form.get("kind", ""))
        except ValueError:
            abort(400)
        filing = services.create_draft(current_user._get_current_object(), kind)
        return redirect(url_for("filings.edit", filing_id=filing.id))
    kinds = [(kind, filing_fees.base_fee(kind.value)) for kind in IPKind]
    return render_template("filings/new.html", kinds=kinds, form=form)


@filer_required
def drafts():
    return render_template("filings/drafts.html",
                           drafts=services.list_drafts(current_user._get_current_object()),
                           form=PortalForm())


@filer_required
def edit(filing_id: int):
    filing = services.get_filing(current_user, filing_id, draft=True)
    if request.method == "GET":
        form = services.stored_form(filing)
        problems = services.check_filing(filing, form) if request.args.get("check") else None
        return render_edit(filing, form, problems=problems)
    form = services.form_class(filing)()  # CSRF was checked before the view (CSRFProtect)
    services.assign_design_keys(form)
    upload_errors = _handle_uploads(filing, form)
    action = request.form.get("action", "save")
    if action == "import:rights" and filing.is_request:
        return _import_rights(filing, services.form_to_pairs(form), upload_errors)
    pairs = _apply(filing, services.form_to_pairs(form), action)
    services.save_draft(filing, pairs)
    if upload_errors:  # everything else is saved; show what was wrong with the files
        return render_edit(filing, services.stored_form(filing), upload_errors=upload_errors)
    if action == "check":
        return _go(url_for("filings.edit", filing_id=filing.id, check=1, _anchor="problems"))
    flash(_("Your draft has been saved."), "success")
    return _go(url_for("filings.edit", filing_id=filing.id, _anchor=_anchor(action)))


def _go(url: str):
    """Redirect after a successful save; the upload script, which cannot follow a redirect to
    a fragment, is told where to go instead."""
    if request.headers.get("X-Requested-With"):
        return jsonify(location=url)
    return redirect(url)


def _anchor(action: str) -> str | None:
    verb, _sep, target = action.partition(":")
    if verb in ("add", "remove", "client"):
        return f"section-{target.split('-')[0]}"
    return None


def _apply(filing, pairs: list[list[str]], action: str) -> list[list[str]]:
    verb, _sep, target = action.partition(":")
    if verb in ("add", "remove"):
        return services.apply_action(pairs, action)
    if verb == "client" and _PARTY_ENTRY.match(target):
        client = clients.get_client(current_user, request.form.get(f"client_for-{target}",
                                                                   type=int))
        if client is not None:
            return services.fill_party_from_client(pairs, target, client)
    if verb == "lookup" and filing.is_request:
        pairs, found = request_services.fill_right(current_user, filing, pairs, target)
        if found:
            flash(_("Filled in from what the portal knows of this right: check it."),
                  "success")
        else:
            flash(_("This number is not one the portal knows: fill in the details yourself."),
                  "info")
        return pairs
    if verb == "delete-doc" and target.isdigit():
        document = next((d for d in filing.documents if d.id == int(target)), None)
        if document is not None:
            discard_document(document)
    return pairs


def _import_rights(filing, pairs, upload_errors):
    """Add the rights of the pasted list and the CSV file; report each bad line."""
    text = request.form.get("bulk", "")
    upload = request.files.get("bulk_file")
    if upload and upload.filename:
        data = upload.stream.read(BULK_FILE_LIMIT + 1)
        if len(data) > BULK_FILE_LIMIT:
            upload_errors.setdefault("bulk_file", []).append(
                _("The list is too large: at most 2 MiB."))
        else:
            text = "\n".join(t for t in (text.strip(), _decode(data)) if t)
    pairs, result = request_services.import_rights(current_user, filing, pairs, text)
    services.save_draft(filing, pairs)
    return render_edit(filing, services.stored_form(filing), upload_errors=upload_errors,
                       import_result=result)


def _decode(data: bytes) -> str:
    """A CSV file from a spreadsheet: UTF-8 (with or without its mark), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _handle_uploads(filing, form) -> dict[str, list[str]]:
    """File each upload in its slot; what is refused is reported by slot, nothing else lost."""
    errors: dict[str, list[str]] = {}
    for name in request.files:
        uploads = [f for f in request.files.getlist(name) if f and f.filename]
        target = upload_slot(form, name)
        if not uploads or target is None:
            continue
        slot, kind, multiple = target
        for upload in uploads:
            try:
                attach_upload(filing, slot, kind, upload, replace=not multiple)
            except DocumentRejected as exc:
                errors.setdefault(slot, []).append(
                    _("%(file)s: %(reason)s", file=upload.filename, reason=str(exc.message)))
    return errors


def render_edit(filing, form, *, problems=None, upload_errors=None, import_result=None):
    user = current_user._get_current_object()
    quote = filing_fees.quote_filing(filing, form)
    template = ("requests/edit.html" if filing.is_request
                else f"filings/edit_{filing.kind.value}.html")
    return render_template(
        template, filing=filing, form=form, import_result=import_result,
        problems=problems, upload_errors=upload_errors or {}, quote=quote,
        documents=services.documents_by_slot(filing), pages=filing_fees.count_pages(filing),
        clients=clients.list_clients(user) if user.firm_id else [])


@filer_required
def show(filing_id: int):
    """A filing after it left the drafts: what was filed, its fees, receipts and history."""
    from payments.models import OrderItem
    from portal.receipts.models import Receipt
    from portal.tracking.models import Notification

    filing = services.get_filing(current_user, filing_id)
    if filing.is_draft:
        return redirect(url_for("filings.edit", filing_id=filing.id))
    item = db.session.scalar(select(OrderItem).where(OrderItem.filing_id == filing.id)
                             .order_by(OrderItem.id.desc()).limit(1))
    papers = list(db.session.scalars(select(Receipt).where(
        Receipt.order_id == item.order_id,
        (Receipt.filing_id == filing.id) | (Receipt.kind == "receipt")))) if item else []
    # The history names each notification in the reader's language (portal.i18n).
    letters = {n.id: n for n in db.session.scalars(
        select(Notification).where(Notification.filing_id == filing.id))}
    return render_template("filings/show.html", filing=filing, item=item, papers=papers,
                           form=services.stored_form(filing), letters=letters)


@filer_required
def autosave(filing_id: int):
    """Save what is typed, in the background; the page's script calls it (JSON)."""
    filing = services.get_filing(current_user, filing_id, draft=True)
    form = services.form_class(filing)()
    services.assign_design_keys(form)
    services.save_draft(filing, services.form_to_pairs(form))
    return jsonify(saved_at=format_datetime(filing.updated_at, "short"),
                   problems=filing.problems)


@filer_required
def fees(filing_id: int):
    """The live fee preview: the fees of the form as it is now, without saving it."""
    filing = services.get_filing(current_user, filing_id, draft=True)
    form = services.form_class(filing)(meta={"csrf": False})
    quote = filing_fees.quote_filing(filing, form)
    return jsonify(
        currency=quote.currency, total=str(quote.total),
        total_text=format_currency(quote.total, quote.currency),
        lines=[{"code": line.code, "label": line.label, "quantity": line.quantity,
                "quantity_text": format_decimal(line.quantity), "amount": str(line.amount),
                "amount_text": format_currency(line.amount, quote.currency)}
               for line in quote.lines])


@filer_required
def copy(filing_id: int):
    filing = services.get_filing(current_user, filing_id)
    if not PortalForm().validate_on_submit():
        abort(400)
    new_filing = services.copy_filing(filing, current_user._get_current_object())
    flash(_("A new draft was made from %(title)s. Check it before filing.",
            title=filing.title or filing.type_label), "success")
    return redirect(url_for("filings.edit", filing_id=new_filing.id))


@filer_required
def delete(filing_id: int):
    filing = services.get_filing(current_user, filing_id, draft=True)
    if not PortalForm().validate_on_submit():
        abort(400)
    services.delete_draft(filing)
    flash(_("The draft has been deleted."), "success")
    return redirect(url_for("filings.drafts"))


@login_required
@talisman(content_security_policy={"default-src": "'none'", "sandbox": ""})
def document(document_id: int):
    doc = db.session.scalar(select(Document).where(Document.id == document_id))
    if doc is None or not may_download(current_user, doc):
        abort(404)
    return send_file(get_storage().open(doc.storage_key), mimetype=doc.media_type,
                     as_attachment=request.args.get("inline") is None,
                     download_name=doc.filename, max_age=0)
