"""11. Request for substantive examination of a patent application."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from wtforms import StringField

from forms.fields import IntegerField, RadioField, choices
from forms.requests.base import DocumentSlot, RequestForm, claim_count, require_when
from forms.validators import MaxLength, Required
from portal.rights import numbers

BASES = [("own", _l("Examination by the office")),
         ("foreign", _l("Examination relying on the result of another office for the same "
                        "invention"))]


class ExaminationForm(RequestForm):
    TYPE = "examination"
    KINDS = ("patent",)
    LABEL = _l("Request for substantive examination")
    HELP = _l("Ask the office to examine whether the invention is new, inventive and "
              "industrially applicable.")
    NUMBER = numbers.APPLICATION
    RIGHTS_LABEL = _l("Application")
    DOCUMENTS = {"foreign_result": DocumentSlot(
        "evidence", _l("Search or examination result of the other office, with the claims "
                       "it allowed"))}
    SECTIONS = [(_l("Examination"), ["claims_count", "basis", "foreign_office",
                                     "foreign_number"])]

    claims_count = IntegerField(_l("Number of claims to examine"),
                                validators=[Required(), claim_count])
    basis = RadioField(_l("Examination"), choices=choices(BASES), default="own",
                       validators=[Required()])
    foreign_office = StringField(_l("Other office"), validators=[MaxLength(100)])
    foreign_number = StringField(_l("Number of the corresponding application or patent "
                                    "there"), validators=[MaxLength(50)])

    def validate_foreign_office(self, field):
        require_when(self.basis.data == "foreign", field, _l("Name the other office."))

    def validate_foreign_number(self, field):
        require_when(self.basis.data == "foreign", field,
                     _l("Enter the number of the application or patent there."))

    def required_documents(self) -> set[str]:
        return {"foreign_result"} if self.basis.data == "foreign" else set()

    def fee_parts(self, today=None):
        parts = super().fee_parts(today)
        claims = max(self.claims_count.data or 0, 0)
        return [replace(part, claims=claims) for part in parts]
