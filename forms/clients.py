"""The agents' client book: a client is a party kept once; powers of attorney are its papers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import ValidationError

from forms.base import PortalForm
from forms.fields import DateField, RadioField, choices
from forms.parts.party import PartyForm
from forms.validators import MaxLength, Required


class ClientForm(PortalForm, PartyForm):
    """The fields of an applicant (PartyForm), with CSRF."""


class PowerOfAttorneyForm(PortalForm):
    document = FileField(_l("Power of attorney (PDF)"))
    scope = RadioField(
        _l("Scope"),
        choices=choices([("general", _l("General: for all matters before the office")),
                         ("specific", _l("Specific: for the matters named below"))]),
        default="general", validators=[Required()])
    scope_note = StringField(_l("Matters covered"), validators=[MaxLength(500)],
                             description=_l("For a specific power: the applications, "
                                            "registrations or kinds of matter it covers."))
    valid_from = DateField(_l("Valid from"), validators=[Required()])
    valid_to = DateField(_l("Valid until (optional)"),
                         description=_l("Leave empty when the power has no end date."))

    def validate_scope_note(self, field):
        if self.scope.data == "specific" and not (field.data or "").strip():
            raise ValidationError(_l("Name the matters the power covers."))

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end date cannot be before the start date."))
