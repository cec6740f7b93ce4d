"""15. Correction of an error in the register or in an application: where, wrong, right."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FormField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.base import PlainForm
from forms.fields import EntryList, RadioField, choices
from forms.requests.base import DocumentSlot, RequestForm
from forms.validators import MaxLength, Required

ORIGINS = [("applicant", _l("A mistake in what we filed")),
           ("office", _l("A mistake made by the office"))]


class CorrectionEntry(PlainForm):
    field = StringField(_l("Where the error is"), validators=[Required(), MaxLength(200)],
                        description=_l("For example: the owner's address, class 9, claim 3."))
    wrong = TextAreaField(_l("Wrong text"), validators=[Required(), MaxLength(5000)],
                          render_kw={"rows": 2})
    right = TextAreaField(_l("Corrected text"), validators=[Required(), MaxLength(5000)],
                          render_kw={"rows": 2})

    def validate_right(self, field):
        if (field.data or "").strip() == (self.wrong.data or "").strip() and field.data:
            raise ValidationError(_l("The corrected text is the same as the wrong one."))


class CorrectionForm(RequestForm):
    TYPE = "correction"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Correction of an error")
    HELP = _l("Correct a clerical or obvious error in an application or in the register; "
              "free when the office made it.")
    DOCUMENTS = {"evidence": DocumentSlot("evidence", _l("Evidence of the right text"),
                                          accept="application/pdf,image/png,image/jpeg")}
    SECTIONS = [(_l("Errors"), ["origin", "corrections"])]

    origin = RadioField(_l("Whose mistake"), choices=choices(ORIGINS), validators=[Required()])
    corrections = EntryList(FormField(CorrectionEntry), min_entries=1, max_entries=20,
                            label=_l("Corrections"))

    def validate_corrections(self, field):
        if not field.filled():
            raise ValidationError(_l("Describe at least one error to correct."))

    def fee_flags(self) -> set[str]:
        return {"applicant_error"} if self.origin.data == "applicant" else set()
