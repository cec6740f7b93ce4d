"""The office console's audit log: every recorded action, filtered, paged and exported as CSV.
Read-only: these pages answer GET and nothing else."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from forms.office_audit import AuditFilters
from payments.fees import office_today, office_zone
from portal.auth.access import office_required
from portal.office import audit_log

FILTERS = ("user", "action", "object", "date_from", "date_to")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _filters() -> tuple[AuditFilters, dict]:
    choices = [SelectChoice(code, label) for code, label in audit_log.action_choices()]
    form = AuditFilters(request.args, choices)
    form.validate()
    values = {name: field.data for name, field in form._fields.items() if not field.errors}
    return form, values


def _cursor(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value < 2**31 else None


@office_required
def index():
    form, values = _filters()
    page = audit_log.page_of(values, before=_cursor("before"), after=_cursor("after"))
    args = {k: v for k, v in request.args.items() if k in FILTERS and v}
    return render_template("office/audit.html", form=form, page=page, args=args,
                           action_label=audit_log.action_label,
                           object_url=audit_log.object_url, summarise=audit_log.summarise)


def safe_cell(value) -> str:
    """The cell as text; one a spreadsheet would read as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_line(cells: Iterable) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(c) for c in cells])
    return out.getvalue()


@office_required
def export():
    """The filtered log as CSV (UTF-8 with a byte-order mark, for spreadsheets), streamed."""
    _form, values = _filters()
    # The stream runs after the request's session has closed: take what it needs now.
    zone, where = office_zone(), audit_log.conditions(values)
    header = [_("Time"), _("Actor"), _("User email"), _("Action"), _("Object type"),
              _("Object id"), _("IP address"), _("Details")]

    def lines() -> Iterator[str]:
        yield "\ufeff" + _csv_line(header)
        for at, actor, email, action, object_type, object_id, ip, details in (
                audit_log.export_rows(where)):
            yield _csv_line([at.astimezone(zone).isoformat(), actor, email, action,
                             object_type, object_id, ip,
                             json.dumps(details or {}, ensure_ascii=False, sort_keys=True,
                                        default=str)])

    name = f"audit-{office_today().isoformat()}.csv"
    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
