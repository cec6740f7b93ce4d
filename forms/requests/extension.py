"""9. Extension of a time limit set by the office: which one, by how long, and why."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from forms.fields import DateField, SelectField
from forms.requests.base import RequestForm, setting
from forms.validators import MaxLength, Required
from payments.fees import office_today


def month_choices() -> list[SelectChoice]:
    from flask_babel import ngettext

    return [SelectChoice("", str(_l("Choose…")))] + [
        SelectChoice(str(n), ngettext("%(num)d month", "%(num)d months", n))
        for n in range(1, setting("EXTENSION_MAX_MONTHS", 3) + 1)]


class ExtensionForm(RequestForm):
    TYPE = "extension"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Extension of a time limit")
    HELP = _l("Ask for more time to answer the office or to complete a filing, before the time "
              "limit ends.")
    SECTIONS = [(_l("The time limit"), ["deadline", "due_on", "months", "reason"])]

    notification_id = HiddenField()
    deadline = StringField(
        _l("Time limit to extend"), validators=[Required(), MaxLength(300)],
        description=_l("For example: reply to the office's notification of 1 October 2026."))
    due_on = DateField(_l("Present end of the time limit"), validators=[Required()])
    months = SelectField(_l("Extension asked for"), choices=month_choices,
                         validators=[Required()])
    reason = TextAreaField(_l("Reasons"), validators=[Required(), MaxLength(5000)],
                           render_kw={"rows": 4})

    def validate_due_on(self, field):
        if field.data and field.data < office_today():
            raise ValidationError(_l("This time limit has already ended: request restoration "
                                     "instead."))
