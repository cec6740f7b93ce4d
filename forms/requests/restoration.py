"""16. Restoration (reinstatement) of rights after a time limit was missed despite due care."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.fields import DateField, SelectField, choices
from forms.requests.base import DocumentSlot, RequestForm, not_in_future, require_when, setting
from forms.validators import MaxLength, Required
from payments.fees import office_today

ACTS = [("", _l("Choose…")), ("renewal", _l("Renewal")), ("annuity", _l("Annual fee")),
        ("response", _l("Response to a notification")), ("fee", _l("Payment of a fee")),
        ("examination", _l("Request for examination")), ("other", _l("Other act"))]


class RestorationForm(RequestForm):
    TYPE = "restoration"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Restoration of rights")
    HELP = _l("Reinstate a right lost because a time limit was missed although all due care "
              "was taken.")
    DOCUMENTS = {"evidence": DocumentSlot("evidence", _l("Declaration or other evidence of the "
                                                          "reasons"),
                                          accept="application/pdf,image/png,image/jpeg")}
    SECTIONS = [(_l("The time limit missed"), ["missed_act", "missed_act_detail", "missed_on",
                                               "cause_removed_on", "reason"]),
                (_l("The act omitted"), ["act_completed", "act_reference"])]

    missed_act = SelectField(_l("Act not done in time"), choices=choices(ACTS),
                             validators=[Required()])
    missed_act_detail = StringField(_l("Which act"), validators=[MaxLength(300)])
    missed_on = DateField(_l("End of the time limit missed"),
                          validators=[Required(), not_in_future])
    cause_removed_on = DateField(
        _l("Date the cause of the failure was removed"), validators=[Required(), not_in_future],
        description=_l("For example the day you learned the time limit had been missed."))
    reason = TextAreaField(_l("Why the time limit was missed despite all due care"),
                           validators=[Required(), MaxLength(10000)], render_kw={"rows": 6})
    act_completed = BooleanField(_l("The omitted act is done with this request, or has been "
                                    "done"))
    act_reference = StringField(_l("Portal or office reference of the omitted act"),
                                validators=[MaxLength(100)])

    def validate_missed_act_detail(self, field):
        require_when(self.missed_act.data == "other", field,
                     _l("Say which act was not done in time."))

    def validate_cause_removed_on(self, field):
        missed = self.missed_on.data
        if not field.data or not missed:
            return
        if field.data < missed:
            raise ValidationError(_l("This cannot be before the end of the time limit missed."))
        today = office_today()
        after_cause = field.data + relativedelta(
            months=setting("RESTORATION_MONTHS_AFTER_CAUSE", 2))
        after_limit = missed + relativedelta(
            months=setting("RESTORATION_MONTHS_AFTER_LIMIT", 12))
        ends = min(after_cause, after_limit)
        if today > ends:
            raise ValidationError(_l("Restoration had to be requested by %(date)s.",
                                     date=format_date(ends, "long")))

    def validate_act_completed(self, field):
        if not field.data:
            raise ValidationError(_l("The omitted act must be done at the latest with this "
                                     "request."))
