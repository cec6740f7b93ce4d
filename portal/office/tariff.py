"""The office console's Tariff pages (admin only): the versions, a version's rules, a new
version (amounts edited from a version, or a tariff file uploaded) shown against the one in
force and created only on confirmation, deleting a scheduled version, and what a filing would
cost under each version. The work is payments.tariffs'; these views read and show."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from forms.office_tariff import (
    ButtonForm,
    ConfirmVersionForm,
    NewVersionForm,
    UploadTariffForm,
)
from payments import tariffs
from payments.fees import TariffError, _rule, office_today
from payments.models import FeeRuleType
from payments.tariff_check import MAX_FILE_BYTES, TariffProblems, dump_schedule, read_tariff_file
from portal.auth.access import admin_required
from portal.filings.models import IP_KIND_LABELS

PAGE_SIZE = 50
PROPOSAL_MAX_AGE = 2 * 3600  # seconds a confirmation page stays valid
STATUS_LABELS = {"in_force": _l("In force"), "scheduled": _l("Scheduled"), "past": _l("Past")}
RULE_LABELS = {
    FeeRuleType.PER_FILING: _l("Per filing (per right for a request)"),
    FeeRuleType.PER_ITEM_BEYOND: _l("Per item beyond the free ones"),
    FeeRuleType.IF_FLAG: _l("If the filing asks for it"),
    FeeRuleType.REDUCTION_PERCENT: _l("Reduction (percent)"),
}
FIELD_LABELS = {
    "kind": _l("Kind"), "filing_type": _l("Filing type"), "rule": _l("Rule"),
    "item": _l("Item or flag"), "threshold": _l("Free items"), "amount": _l("Amount"),
    "percent": _l("Percent"), "applies_to": _l("Reduces"),
    "categories": lazy_pgettext("who a reduction is for", "For"),
    "valid_from": _l("Valid from"), "valid_to": _l("Valid to"), "year_from": _l("From year"),
    "year_to": _l("To year"),
}


def kind_label(kind: str) -> str:
    return str(IP_KIND_LABELS[kind]) if kind in IP_KIND_LABELS else _("All kinds")


def filing_type_label(filing_type: str) -> str:
    from forms.requests.registry import REQUEST_TYPES

    if filing_type == "application":
        return _("Application")
    form = REQUEST_TYPES.get(filing_type)
    return str(form.LABEL) if form else filing_type


def field_label(field: str) -> str:
    if field.startswith("names."):
        return _("Name (%(language)s)", language=field.split(".", 1)[1])
    return str(FIELD_LABELS.get(field, field))


LABELS = {"status_labels": STATUS_LABELS, "rule_labels": RULE_LABELS, "kind_label": kind_label,
          "filing_type_label": filing_type_label, "field_label": field_label,
          "fee_name": tariffs.fee_name}


def _admin():
    return current_user._get_current_object()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt="portal.tariff-proposal")


def _sign(data: dict) -> str:
    # Amounts read from a file are Decimals: written as strings they stay exact.
    return _serializer().dumps(json.loads(json.dumps(data, default=str)))


def _unsign(token: str | None, max_age: int | None = None) -> dict | None:
    """The signed tariff, or None. A table's starting point never expires (what it proposes is
    checked and compared again); a proposal to confirm does, being what the admin last saw."""
    try:
        data = _serializer().loads(token or "", max_age=max_age)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


@admin_required
def index():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = tariffs.list_versions((page - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("office/tariff.html", rows=rows, page=page, pages=pages,
                           today=office_today(), **LABELS)


@admin_required
def version(schedule_id: int):
    schedule = tariffs.get_version(schedule_id) or abort(404)
    today = office_today()
    status = tariffs.status_of(schedule, today, tariffs.in_force_id(today))
    return render_template("office/tariff_version.html", schedule=schedule, status=status,
                           groups=tariffs.rule_groups(schedule), delete_form=ButtonForm(),
                           **LABELS)


@admin_required
def export(schedule_id: int):
    """A version as a tariff file: edit it and upload it as a new version."""
    schedule = tariffs.get_version(schedule_id) or abort(404)
    body = json.dumps(dump_schedule(schedule), ensure_ascii=False, indent=2) + "\n"
    name = f"tariff-{schedule.valid_from.isoformat()}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- a new version -------------------------------------------------------------------------


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def _edit_form(data: dict, valid_from: date | None) -> NewVersionForm:
    """The edit table filled from `data` (file format), as if nothing had been typed yet."""
    language = _language()
    rows = [{"code": spec["code"], "name": spec.get("names", {}).get(language, ""),
             "amount": Decimal(str(spec.get("percent") if spec.get("rule") == "reduction_percent"
                                   else spec.get("amount", "0")))}
            for spec in data.get("rules", [])]
    return NewVersionForm(formdata=None, data={
        "name": data.get("name", ""), "valid_from": valid_from, "base": _sign(data),
        "rules": rows})


def _edit_page(form: NewVersionForm, base: dict, status: int = 200):
    try:
        rules = [_rule(spec, n) for n, spec in enumerate(base.get("rules", []))]
    except TariffError:
        abort(400)
    currency = base.get("currency", "")
    return render_template("office/tariff_new.html", form=form, rows=list(zip(
        form.rules.entries, rules, strict=False)), currency=currency, language=_language(),
        **LABELS), status


def _place(form, problems) -> None:
    """Put each problem next to what it is about: a field, a rule's row, or the page."""
    for problem in problems:
        field = getattr(form, problem.field, None) if problem.field else None
        if problem.index is not None and hasattr(form, "rules") and problem.index < len(
                form.rules.entries):
            field = form.rules.entries[problem.index].form.amount
        if field is None or not hasattr(field, "errors"):
            form.form_errors.append(str(problem))
        else:
            field.errors = [*field.errors, str(problem)]


@admin_required
def new_version():
    if request.method == "GET":
        source = request.args.get("from", type=int)
        schedule = tariffs.get_version(source) if source else tariffs.current_version()
        if source and schedule is None:
            abort(404)
        if schedule is None:
            flash(_("There is no version to start from: upload a tariff file."), "error")
            return redirect(url_for("office.tariff_upload"))
        return _edit_page(_edit_form(dump_schedule(schedule), None), dump_schedule(schedule))
    if request.form.get("action") == "change":  # back from the confirmation page
        return _change()
    form = NewVersionForm()
    base = _unsign(form.base.data)
    if base is None:
        flash(_("This page had expired; start again."), "error")
        return redirect(url_for("office.tariff"))
    if [e.form.code.data for e in form.rules] != [s.get("code") for s in base.get("rules", [])]:
        flash(_("The rows no longer match the tariff they came from; start again."), "error")
        return redirect(url_for("office.tariff"))
    if not form.validate_on_submit():
        return _edit_page(form, base, 422)
    edits = [(e.form.code.data, e.form.amount.data, e.form.name.data or "")
             for e in form.rules]
    data = tariffs.edit_tariff(base, form.name.data.strip(), form.valid_from.data, edits,
                               _language())
    try:
        proposal = tariffs.propose_version(data)
    except TariffProblems as exc:
        _place(form, exc.problems)
        return _edit_page(form, base, 422)
    return _confirmation(proposal, data)


def _change():
    """The confirmation page's "Change" button: its proposal back in the edit table."""
    form = ButtonForm()
    data = _unsign(request.form.get("base"))
    if not form.validate_on_submit() or data is None:
        flash(_("This page had expired; start again."), "error")
        return redirect(url_for("office.tariff"))
    return _edit_page(_edit_form(data, _date(data.get("valid_from"))), data)


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@admin_required
def upload():
    form = UploadTariffForm()
    if form.validate_on_submit():
        try:
            data = read_tariff_file(form.file.data.read(MAX_FILE_BYTES + 1))
            if form.valid_from.data:
                data["valid_from"] = form.valid_from.data.isoformat()
            return _confirmation(tariffs.propose_version(data), data)
        except TariffProblems as exc:
            for problem in exc.problems:
                field = (form.valid_from if problem.field == "valid_from"
                         and form.valid_from.data else form.file)
                field.errors = [*field.errors, str(problem)]
    status = 422 if form.is_submitted() else 200
    return render_template("office/tariff_upload.html", form=form), status


def _confirmation(proposal: tariffs.Proposal, data: dict):
    token = _sign(data)
    return render_template("office/tariff_confirm.html", proposal=proposal,
                           tariff=proposal.tariff, form=ConfirmVersionForm(proposal=token),
                           change_form=ButtonForm(), token=token, **LABELS)


@admin_required
def confirm():
    """The only request that writes a new version."""
    form = ConfirmVersionForm()
    data = (_unsign(form.proposal.data, PROPOSAL_MAX_AGE) if form.validate_on_submit()
            else None)
    if data is None:
        flash(_("This confirmation had expired; nothing was created. Start again."), "error")
        return redirect(url_for("office.tariff"))
    try:
        schedule, created = tariffs.create_version(data, _admin())
    except TariffProblems as exc:
        edit = _edit_form(data, _date(data.get("valid_from")))
        _place(edit, exc.problems)
        return _edit_page(edit, data, 409)
    if created:
        flash(_("The new version is saved; it takes over on %(date)s.",
                date=_format_date(schedule.valid_from)), "success")
    else:
        flash(_("This version had already been created."), "success")
    return redirect(url_for("office.tariff_version", schedule_id=schedule.id))


def _format_date(value: date) -> str:
    from flask_babel import format_date

    return format_date(value, "long")


@admin_required
def delete(schedule_id: int):
    """GET: what deleting would do; POST: delete (a scheduled version only)."""
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("This page had expired; try again."), "error")
            return redirect(url_for("office.tariff_delete", schedule_id=schedule_id))
        try:
            deleted = tariffs.delete_version(schedule_id, _admin())
        except tariffs.TariffRefused as exc:
            flash(str(exc.message), "error")
            return redirect(url_for("office.tariff_version", schedule_id=schedule_id))
        flash(_("The scheduled version was deleted.") if deleted
              else _("This version had already been deleted."), "success")
        return redirect(url_for("office.tariff"))
    schedule = tariffs.get_version(schedule_id) or abort(404)
    today = office_today()
    status = tariffs.status_of(schedule, today, tariffs.in_force_id(today))
    return render_template("office/tariff_delete.html", schedule=schedule, status=status,
                           form=form, **LABELS)


@admin_required
def preview():
    """What a filing would cost under the version in force and under each scheduled one."""
    text = request.args.get("filing", "").strip()[:40]
    filing = tariffs.find_filing(text) if text else None
    priced = tariffs.price_under_versions(filing) if filing else []
    return render_template("office/tariff_preview.html", text=text, filing=filing,
                           priced=priced, rows=tariffs.side_by_side(priced), **LABELS)
