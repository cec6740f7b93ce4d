"""1. Renewal of a trademark or design registration, in full or in part, late within the grace
period with a surcharge per month begun since expiry."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from forms.fields import DateField
from forms.requests.base import (
    RequestForm,
    RightForm,
    class_numbers,
    date_window_problem,
    design_numbers,
    late_months,
    setting,
    split_numbers,
)
from forms.validators import MaxLength, Required
from payments.fees import office_today
from portal.rights import numbers


class RenewalRight(RightForm):
    COLUMNS = ("expires_on", "classes", "designs")
    ONLY_FOR = {"classes": {"trademark"}, "designs": {"design"}}

    expires_on = DateField(
        _l("Expiry date"), validators=[Required()],
        description=_l("The day the current term of protection ends."))
    classes = StringField(
        _l("Classes renewed"), validators=[Required(), MaxLength(200), class_numbers],
        description=_l("The Nice classes to renew, for example 9, 35. A class left out lapses "
                       "(partial renewal)."))
    designs = StringField(
        _l("Designs renewed"), validators=[Required(), MaxLength(200), design_numbers],
        description=_l("The numbers of the designs of the registration to renew, for example "
                       "1, 2, 5. A design left out lapses."))

    def validate_expires_on(self, field):
        if field.data:
            problem = date_window_problem(field.data, office_today(),
                                          setting("RENEWAL_WINDOW_MONTHS", 6),
                                          setting("RENEWAL_GRACE_MONTHS", 6))
            if problem:
                raise ValidationError(problem)

    def right_basis(self, today: date) -> dict:
        out: dict = {"late_months": late_months(self.expires_on.data, today)}
        if "classes" in self._fields:
            out["classes"] = len(split_numbers(self.classes.data))
        if "designs" in self._fields:
            out["designs"] = len(split_numbers(self.designs.data))
        return out


class RenewalForm(RequestForm):
    TYPE = "renewal"
    KINDS = ("trademark", "design")
    LABEL = _l("Renewal of a registration")
    HELP = _l("Renew registrations for a further term, in full or for some classes or designs; "
              "within the grace period after expiry, with a surcharge.")
    MULTIPLE = True
    NUMBER = numbers.REGISTRATION
    RIGHT_FORM = RenewalRight
    RIGHTS_LABEL = _l("Registrations to renew")
