"""The dashboard's filters: read from the query string, so that a filtered list is a link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from forms.base import PlainForm
from forms.fields import DateField, SelectField, choices
from forms.validators import MaxLength

SORTS = [("activity", _l("Last activity")), ("deadline", _l("Next deadline")),
         ("portal_number", _l("Portal number")), ("office_number", _l("Office number")),
         ("title", _l("Mark or title")), ("submitted", _l("Date submitted"))]
PIPELINE = [("draft", _l("Draft")), ("submitted", _l("Submitted, awaiting payment")),
            ("accepted", _l("Accepted, not yet delivered")),
            ("delivered", _l("Delivered to the office")), ("withdrawn", _l("Withdrawn"))]


def kind_choices() -> list[SelectChoice]:
    from portal.filings.models import IPKind

    return [SelectChoice("", str(_l("Every kind")))] + [SelectChoice(k.value, k.label)
                                                          for k in IPKind]


def type_choices() -> list[SelectChoice]:
    from forms.requests.registry import REQUEST_TYPES

    return ([SelectChoice("", str(_l("Every type"))),
             SelectChoice("application", str(_l("New application")))]
            + [SelectChoice(code, str(form.LABEL)) for code, form in REQUEST_TYPES.items()])


class DashboardFilters(PlainForm):
    q = StringField(_l("Search"), validators=[MaxLength(200)],
                    description=_l("Numbers, your reference, the mark or title, the "
                                   "applicant's name, in any script."))
    kind = SelectField(_l("Kind"), choices=kind_choices)
    type = SelectField(_l("Type"), choices=type_choices)
    status = SelectField(_l("Status"))  # choices: the pipeline and the office's statuses
    client = SelectField(_l("Client"))  # choices: the firm's client book
    date_from = DateField(_l("Submitted from"))
    date_to = DateField(_l("Submitted until"))
    sort = SelectField(_l("Sort by"), choices=choices(SORTS), default="activity")

    def __init__(self, formdata, status_choices, client_choices):
        super().__init__(formdata)
        self.status.choices = [SelectChoice("", str(_l("Every status")))] + status_choices
        self.client.choices = [SelectChoice("", str(_l("Every client")))] + client_choices
