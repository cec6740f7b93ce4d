"""7. Appointment, change or removal of a representative (agent), with the power of attorney."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField, TextAreaField

from forms.fields import RadioField, choices
from forms.requests.base import DocumentSlot, RequestForm, require_when
from forms.validators import EmailAddress, MaxLength, Optional, Required

ACTIONS = [("appoint", _l("Appoint a representative")),
           ("change", _l("Replace the present representative")),
           ("remove", _l("Remove the representative"))]


class RepresentativeForm(RequestForm):
    TYPE = "representative"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Appointment or change of representative")
    HELP = _l("Appoint, replace or remove the agent who acts for the owner before the office.")
    MULTIPLE = True
    DOCUMENTS = {"power_of_attorney": DocumentSlot("power_of_attorney",
                                                   _l("Power of attorney"))}
    SECTIONS = [(_l("Representative"), ["operation", "agent_name", "agent_number",
                                        "agent_address", "agent_email"])]

    operation = RadioField(_l("Request"), choices=choices(ACTIONS), validators=[Required()])
    agent_name = StringField(_l("Name of the representative or firm"),
                             validators=[MaxLength(300)])
    agent_number = StringField(_l("Agent registration number"), validators=[MaxLength(40)],
                               description=_l("The number under which the office registered "
                                              "the agent."))
    agent_address = TextAreaField(_l("Address of the representative"),
                                  validators=[MaxLength(500)], render_kw={"rows": 3})
    agent_email = EmailField(_l("Email address"),
                             validators=[Optional(), MaxLength(254), EmailAddress()])

    def _needs_agent(self) -> bool:
        return self.operation.data in ("appoint", "change")

    def validate_agent_name(self, field):
        require_when(self._needs_agent(), field, _l("Enter the name of the new representative."))

    def validate_agent_number(self, field):
        require_when(self._needs_agent(), field, _l("Enter the agent's registration number."))

    def validate_agent_address(self, field):
        require_when(self._needs_agent(), field, _l("Enter the address of the new representative."))

    def required_documents(self) -> set[str]:
        return {"power_of_attorney"} if self._needs_agent() else set()

    def fee_flags(self) -> set[str]:
        return {self.operation.data} if self.operation.data else set()
