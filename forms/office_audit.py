"""The audit log's filters: read from the query string, so that a filtered list is a link."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from forms.base import PlainForm
from forms.fields import DateField, SelectField
from forms.validators import MaxLength

OBJECT_RE = re.compile(r"^(?P<type>[A-Za-z_][A-Za-z0-9_]{0,63})(?::(?P<id>[^\s:]{1,64}))?$")


def parse_object(text: str | None) -> tuple[str, str | None] | None:
    """("Order", "12") for "Order:12", ("Order", None) for "Order", None when it is not one."""
    match = OBJECT_RE.match((text or "").strip())
    return (match["type"], match["id"]) if match else None


class AuditFilters(PlainForm):
    user = StringField(_l("Who"), validators=[MaxLength(254)],
                       description=_l("An email address or part of one."))
    action = SelectField(_l("Action"))  # choices: the actions in the log
    object = StringField(_l("Object"), validators=[MaxLength(130)],
                         description=_l("A type, or a type and a number: Order or Order:12."))
    date_from = DateField(lazy_pgettext("date range", "From"))
    date_to = DateField(_l("Until"))

    def __init__(self, formdata, action_choices: list[SelectChoice]):
        super().__init__(formdata)
        self.action.choices = [SelectChoice("", str(_l("Every action")))] + action_choices

    def validate_object(self, field):
        if field.data and field.data.strip() and parse_object(field.data) is None:
            raise ValidationError(_l("Write a type, or a type and a number, for example "
                                     "Order or Order:12."))

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The last day comes before the first."))
