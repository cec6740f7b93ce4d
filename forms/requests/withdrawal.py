"""12. Withdrawal of an application (in full)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import ValidationError

from forms.requests.base import RequestForm
from forms.validators import MaxLength
from portal.rights import numbers


class WithdrawalForm(RequestForm):
    TYPE = "withdrawal"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Withdrawal of an application")
    HELP = _l("Withdraw a pending application; the office will not examine or publish it "
              "further.")
    NUMBER = numbers.APPLICATION
    RIGHTS_LABEL = _l("Application")
    SECTIONS = [(_l("Withdrawal"), ["reason", "confirm"])]

    reason = TextAreaField(_l("Reason (optional)"), validators=[MaxLength(2000)],
                           render_kw={"rows": 3})
    confirm = BooleanField(_l("I understand that a withdrawal cannot be undone."))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Confirm that you want to withdraw the application."))
