"""14. Certified copy of a file or extract of the register: how many, certified or not, how
delivered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from forms.fields import IntegerField, RadioField, choices
from forms.requests.base import RequestForm, require_when
from forms.validators import MaxLength, Required

DOCUMENTS = [("extract", _l("Extract of the register")),
             ("file_copy", _l("Copy of the application as filed")),
             ("priority", _l("Priority document (for filing abroad)")),
             ("certificate", _l("Duplicate of the registration certificate"))]
CERTIFIED = [("certified", _l("Certified by the office")), ("plain", _l("Plain copy"))]
DELIVERY = [("electronic", _l("Electronic (PDF in the portal)")), ("post", _l("By post")),
            ("collect", _l("Collected at the office"))]
MAX_COPIES = 20


class CertifiedCopyForm(RequestForm):
    TYPE = "certified_copy"
    KINDS = ("trademark", "patent", "design", "utility_model")
    LABEL = _l("Certified copy or extract of the register")
    HELP = _l("Order copies of files or extracts of the register, certified or not, for one or "
              "several rights.")
    MULTIPLE = True
    SECTIONS = [(_l("Copies"), ["document", "copies", "certified", "delivery",
                                "delivery_address"])]

    document = RadioField(_l("Document"), choices=choices(DOCUMENTS), validators=[Required()])
    copies = IntegerField(_l("Copies of each"), default=1, validators=[Required()])
    certified = RadioField(_l("Certification"), choices=choices(CERTIFIED), default="certified",
                           validators=[Required()])
    delivery = RadioField(_l("Delivery"), choices=choices(DELIVERY), default="electronic",
                          validators=[Required()])
    delivery_address = TextAreaField(_l("Postal address"), validators=[MaxLength(500)],
                                     render_kw={"rows": 3})

    def validate_copies(self, field):
        if field.data is not None and not 1 <= field.data <= MAX_COPIES:
            raise ValidationError(_l("Order from 1 to %(max)d copies.", max=MAX_COPIES))

    def validate_delivery_address(self, field):
        require_when(self.delivery.data == "post", field,
                     _l("Enter the address to send the copies to."))

    def fee_flags(self) -> set[str]:
        flags = set()
        if self.certified.data == "certified":
            flags.add("certified")
        if self.delivery.data == "post":
            flags.add("post")
        return flags

    def fee_parts(self, today=None):
        from dataclasses import replace

        copies = self.copies.data if self.copies.data and self.copies.data > 0 else 0
        return [replace(part, copies=min(copies, MAX_COPIES))
                for part in super().fee_parts(today)]
