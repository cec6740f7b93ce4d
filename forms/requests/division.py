"""17. Division of an application: some trademark classes, some designs, or a divisional
patent or utility model application."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

from forms.fields import IntegerField
from forms.requests.base import (
    DocumentSlot,
    RequestForm,
    claim_count,
    class_numbers,
    design_numbers,
    split_numbers,
)
from forms.validators import MaxLength, Required
from portal.rights import numbers

TECHNICAL = {"patent", "utility_model"}


class DivisionForm(RequestForm):
    TYPE = "division"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Division of an application")
    HELP = _l("Split a pending application in two: some classes, some designs, or part of an "
              "invention go to a new (divisional) application with the same filing date.")
    NUMBER = numbers.APPLICATION
    RIGHTS_LABEL = _l("Application to divide")
    DOCUMENTS = {
        "description_pdf": DocumentSlot("specification", _l("Description of the divisional "
                                                            "application")),
        "claims_pdf": DocumentSlot("claims", _l("Claims of the divisional application")),
        "drawings_pdf": DocumentSlot("drawings", _l("Drawings of the divisional application"),
                                     accept="application/pdf,image/png,image/jpeg"),
    }
    ONLY_FOR = {"classes": {"trademark"}, "goods_detail": {"trademark"},
                "designs": {"design"}, "title": TECHNICAL, "claims_count": TECHNICAL}
    SECTIONS = [(_l("What goes to the new application"), ["classes", "goods_detail",
                                                          "designs", "title",
                                                          "claims_count"])]

    classes = StringField(_l("Classes moved to the new application"),
                          validators=[Required(), MaxLength(200), class_numbers],
                          description=_l("For example 35, 41."))
    goods_detail = TextAreaField(
        _l("Goods or services moved, if not whole classes"), validators=[MaxLength(20000)],
        render_kw={"rows": 4})
    designs = StringField(_l("Designs moved to the new application"),
                          validators=[Required(), MaxLength(200), design_numbers],
                          description=_l("Their numbers in the application, for example 2, 3."))
    title = StringField(_l("Title of the divisional application"),
                        validators=[Required(), MaxLength(500)])
    claims_count = IntegerField(_l("Number of claims of the divisional application"),
                                validators=[Required(), claim_count])

    def required_documents(self) -> set[str]:
        return {"description_pdf", "claims_pdf"} if self.IP_KIND in TECHNICAL else set()

    def fee_parts(self, today=None):
        counts = {}
        if "classes" in self._fields:
            counts["classes"] = len(split_numbers(self.classes.data))
        if "designs" in self._fields:
            counts["designs"] = len(split_numbers(self.designs.data))
        if "claims_count" in self._fields:
            counts["claims"] = max(self.claims_count.data or 0, 0)
        return [replace(part, **counts) for part in super().fee_parts(today)]
