"""Priority claims under the Paris Convention: office, date and number of the earlier filing."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from forms.base import PlainForm
from forms.fields import DateField, SelectField
from forms.parts.countries import country_choices
from forms.validators import MaxLength, Required

# Months from the earlier filing within which priority can be claimed (Paris Convention, Art. 4C).
PRIORITY_MONTHS = {"trademark": 6, "design": 6, "patent": 12, "utility_model": 12}


class PriorityForm(PlainForm):
    office = SelectField(_l("Office of the earlier filing"), choices=country_choices,
                         validators=[Required()],
                         description=_l("The country or regional office where the earlier "
                                        "application was filed."))
    filed_on = DateField(_l("Date of the earlier filing"), validators=[Required()])
    number = StringField(_l("Number of the earlier application"),
                         validators=[Required(), MaxLength(50)])


def priority_problem(kind: str, filed_on: date | None, today: date) -> str | None:
    """Why a priority date cannot be claimed today for `kind`, or None when it can."""
    if filed_on is None:
        return None
    if filed_on > today:
        return str(_l("The date of the earlier filing cannot be in the future."))
    months = PRIORITY_MONTHS[kind]
    ends = filed_on + relativedelta(months=months)
    if today > ends:
        return str(_l("The priority period of %(months)d months ended on %(date)s.",
                      months=months, date=format_date(ends, "long")))
    return None
