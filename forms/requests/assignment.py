"""4. Recordal of a change of ownership: assignment, merger, succession; in full or in part."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FormField, TextAreaField

from forms.fields import DateField, RadioField, choices
from forms.requests.base import (
    DocumentSlot,
    OtherPartyForm,
    RequestForm,
    not_in_future,
    require_when,
)
from forms.validators import MaxLength, Required

TRANSFERS = [("assignment", _l("Assignment (sale or gift)")),
             ("merger", _l("Merger or division of a company")),
             ("succession", _l("Succession (inheritance)")),
             ("court", _l("Court or administrative decision"))]
SCOPES = [("all", _l("All goods, services or designs")),
          ("part", _l("Only some goods, services or designs (partial transfer)"))]


class AssignmentForm(RequestForm):
    TYPE = "assignment"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Change of ownership (assignment, transfer, merger)")
    HELP = _l("Record that the rights now belong to a new owner, in full or for some goods, "
              "services or designs.")
    MULTIPLE = True
    DOCUMENTS = {"deed": DocumentSlot("deed", _l("Deed of assignment or other proof of the "
                                                  "transfer"), required=True)}
    SECTIONS = [(_l("The transfer"), ["transfer_type", "transfer_date", "scope",
                                      "scope_detail"]),
                (_l("New owner"), ["new_owner"])]

    transfer_type = RadioField(_l("Kind of transfer"), choices=choices(TRANSFERS),
                               validators=[Required()])
    transfer_date = DateField(_l("Date of the transfer"), validators=[Required(), not_in_future],
                              description=_l("The date the deed or decision took effect."))
    scope = RadioField(_l("What is transferred"), choices=choices(SCOPES), default="all",
                       validators=[Required()])
    scope_detail = TextAreaField(
        _l("Goods, services or designs transferred"), validators=[MaxLength(20000)],
        description=_l("For a partial transfer: the classes and goods or services, or the "
                       "designs' numbers, that go to the new owner."), render_kw={"rows": 4})
    new_owner = FormField(OtherPartyForm, label=_l("New owner"))

    def validate_scope_detail(self, field):
        require_when(self.scope.data == "part", field, _l("Say what is transferred."))

    def fee_flags(self) -> set[str]:
        return {"partial"} if self.scope.data == "part" else set()
