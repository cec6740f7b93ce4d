"""The Requests page (every request type by IP kind, with a search) and starting a request."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from forms.requests.registry import REQUEST_TYPES
from forms.requests.start import StartRequestForm
from payments.fees import FeeBasis, calculate_fees
from portal.auth.access import filer_required
from portal.filings.models import IPKind
from portal.filings.requests import start_request


def _matches(form, query: str) -> bool:
    words = query.casefold().split()
    text = f"{form.LABEL} {form.HELP}".casefold()
    return all(word in text for word in words)


@filer_required
def index():
    query = request.args.get("q", "").strip()
    groups = []
    for kind in IPKind:
        found = [form for form in REQUEST_TYPES.values()
                 if kind.value in form.KINDS and (not query or _matches(form, query))]
        if found:
            groups.append((kind, found))
    return render_template("requests/index.html", groups=groups, query=query)


@filer_required
def start(code: str):
    request_form = REQUEST_TYPES.get(code)
    if request_form is None:
        abort(404)
    form = StartRequestForm(request_form, formdata=request.form if request.method == "POST"
                            else None, data={"kind": request.args.get("kind"),
                                             "number": request.args.get("number"),
                                             "notification_id": request.args.get("notification")})
    if request.method == "POST" and form.validate_on_submit():
        filing = start_request(current_user._get_current_object(), code,
                               IPKind(form.kind.data), form.number.data,
                               form.notification_id.data or None)
        return redirect(url_for("filings.edit", filing_id=filing.id))
    fees = [(IPKind(kind), calculate_fees(FeeBasis(kind=kind, filing_type=code, parts=(
        FeeBasis(kind=kind, filing_type=code, first_right=1),)))) for kind in request_form.KINDS]
    return render_template("requests/start.html", request_form=request_form, form=form,
                           fees=fees)
