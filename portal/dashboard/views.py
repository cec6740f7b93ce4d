"""The filer's dashboard, where a login lands: every filing, searched, filtered and paged."""

from __future__ import annotations

import csv
import io

from flask import Response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from forms.dashboard import PIPELINE, DashboardFilters
from portal.dashboard import queries
from portal.office.models import current_office
from portal.tracking.models import ST27_CATEGORIES, STAGES
from portal.tracking.services import ANNUAL_FEE_KINDS, statuses, upcoming


def _filters(user):
    office_statuses = sorted(statuses().values(), key=lambda s: (s.position, s.code))
    locale = str(get_locale() or "en")
    fallback = current_office().default_locale if current_office() else "en"
    status_choices = ([SelectChoice(code, str(label)) for code, label in PIPELINE]
                      + [SelectChoice(f"office:{s.code}", s.name(locale, fallback))
                         for s in office_statuses])
    client_choices = [SelectChoice(v, label) for v, label in queries.client_choices(user)]
    form = DashboardFilters(request.args, status_choices, client_choices)
    form.validate()
    values = {name: field.data for name, field in form._fields.items() if not field.errors}
    return form, values


def status_text(filing, status) -> tuple[str, str | None]:
    """The status a filer reads (the office's when it gave one) and its category."""
    if status is not None:
        fallback = current_office().default_locale if current_office() else "en"
        name = status.name(str(get_locale() or "en"), fallback)
        if status.st27 and filing.kind.value in ANNUAL_FEE_KINDS:  # patents, utility models
            return name, f"{status.st27} · {ST27_CATEGORIES.get(status.st27, '')}"
        return name, str(STAGES[status.stage]) if status.stage in STAGES else None
    if filing.delivered_at and filing.status.value == "accepted":
        return str(dict(PIPELINE)["delivered"]), None
    return filing.status.label, None


@login_required
def index():
    if current_user.role.is_office:
        return redirect(url_for("office.index"))
    user = current_user._get_current_object()
    form, values = _filters(user)
    page = queries.page_of(user, values, request.args.get("page", 1, type=int))
    first_page = page.page == 1 and not any(values.get(k) for k in (
        "q", "kind", "type", "status", "client", "date_from", "date_to"))
    return render_template(
        "dashboard/index.html", form=form, page=page, counters=queries.counters(user),
        upcoming=upcoming(user, limit=8) if first_page else [], status_text=status_text,
        args={k: v for k, v in request.args.items() if k != "page" and v})


@login_required
def export():
    """The filtered list as CSV (UTF-8 with a byte-order mark, for spreadsheets); built whole,
    about 4 MB for 20,000 filings."""
    if current_user.role.is_office:
        return redirect(url_for("office.index"))
    user = current_user._get_current_object()
    _form, values = _filters(user)
    from portal.filters import event_label

    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Portal number"), _("Office number"), _("Kind"), _("Type"),
                     _("Mark or title"), _("Applicant or owner"), _("Client"),
                     _("Your reference"), _("Status"), _("Category"), _("Last event"),
                     _("Last event on"), _("Next deadline")])
    for row in queries.export_rows(user, values):
        f = row.filing
        status, category = status_text(f, row.status)
        writer.writerow([f.portal_number or "", f.office_number or "", f.kind.label,
                         f.type_label, f.title or "", f.applicant_names or "",
                         row.client or "", f.reference or "", status, category or "",
                         event_label(f.last_event_kind) if f.last_event_kind else "",
                         f.last_event_at.date().isoformat() if f.last_event_at else "",
                         f.next_deadline.isoformat() if f.next_deadline else ""])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=filings.csv"})
