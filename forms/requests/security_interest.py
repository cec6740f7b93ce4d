"""6. Recordal of a security interest (pledge) on the rights, and of its release."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FormField, StringField

from forms.fields import DateField, RadioField, choices
from forms.requests.base import (
    DocumentSlot,
    OtherPartyForm,
    RequestForm,
    not_in_future,
    require_when,
)
from forms.validators import MaxLength, Required

ACTIONS = [("record", _l("Record a new security interest")),
           ("release", _l("Record the release of a security interest"))]


class SecurityInterestForm(RequestForm):
    TYPE = "security_interest"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Security interest (pledge) or its release")
    HELP = _l("Record that the rights secure a debt, or that the security has been released.")
    MULTIPLE = True
    DOCUMENTS = {"deed": DocumentSlot("deed", _l("Security agreement, or the creditor's "
                                                  "release"), required=True)}
    SECTIONS = [(_l("The security interest"), ["operation", "agreement_date", "secured_amount",
                                               "recorded_reference"]),
                (_l("Secured creditor"), ["creditor"])]

    operation = RadioField(_l("Request"), choices=choices(ACTIONS), validators=[Required()])
    agreement_date = DateField(_l("Date of the agreement or release"),
                               validators=[Required(), not_in_future])
    secured_amount = StringField(_l("Amount secured"), validators=[MaxLength(100)],
                                 description=_l("Optional: the amount and currency, for "
                                                "example USD 250,000."))
    recorded_reference = StringField(
        _l("Office reference of the recorded security interest"), validators=[MaxLength(100)],
        description=_l("For a release: the reference the office gave when it recorded the "
                       "security interest."))
    creditor = FormField(OtherPartyForm, label=_l("Secured creditor"))

    def validate_recorded_reference(self, field):
        require_when(self.operation.data == "release", field,
                     _l("Enter the office's reference of the security interest "
                        "released."))

    def fee_flags(self) -> set[str]:
        return {self.operation.data} if self.operation.data else set()
