"""Patent application, and the utility model application that shares most of it."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FormField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forms.applications.base import ApplicationForm, DocumentSlot
from forms.fields import DateField, EntryList, IntegerField, RadioField, choices
from forms.parts.party import PatentInventorForm
from forms.validators import MaxLength, NumberRange, Required

IPC_SYMBOL = re.compile(r"^[A-H]\d{2}[A-Z] ?\d{1,4}/\d{2,6}$")
PCT_NUMBER = re.compile(r"^PCT/[A-Z]{2}\d{4}/\d{6}$")
WO_NUMBER = re.compile(r"^WO ?\d{4}/\d{6}$")


def split_symbols(text: str | None) -> list[str]:
    return [s.strip() for s in re.split(r"[;,\n]", text or "") if s.strip()]


def _needs(flag, field, message):
    if flag.data and not (field.data if not isinstance(field.data, str)
                          else field.data.strip()):
        raise ValidationError(message)


class TechnicalApplicationForm(ApplicationForm):
    """Fields common to patents and utility models."""

    DOCUMENTS = {
        "description_pdf": DocumentSlot("specification", _l("Description"), required=True),
        "claims_pdf": DocumentSlot("claims", _l("Claims"), required=True),
        "drawings_pdf": DocumentSlot("drawings", _l("Drawings (optional)"),
                                     accept="application/pdf,image/png,image/jpeg"),
        "abstract_pdf": DocumentSlot("abstract", _l("Abstract as a PDF (optional)")),
    }

    title = StringField(_l("Title of the invention"), validators=[Required(), MaxLength(500)],
                        description=_l("Short and precise, without trade names."))
    abstract = TextAreaField(
        _l("Abstract"), validators=[Required(), MaxLength(5000)],
        description=_l("A summary of the invention of about 150 words, used for searches and "
                       "publication."),
        render_kw={"rows": 5})
    inventors = EntryList(FormField(PatentInventorForm), min_entries=1, max_entries=50,
                          label=_l("Inventors"))
    ipc = StringField(
        _l("IPC symbols (optional)"), validators=[MaxLength(500)],
        description=_l("International Patent Classification symbols if you know them, "
                       "separated by semicolons, for example: A61K 31/00; C07D 401/04."))
    claims_count = IntegerField(
        _l("Number of claims"), validators=[Required(), NumberRange(
            min=1, max=1000, message=_l("Enter a number from %(min)s to %(max)s."))],
        description=_l("Claims define what is protected; fees depend on their number."))

    def display_title(self) -> str:
        return (self.title.data or "").strip()

    def validate_inventors(self, field):
        if not field.filled():
            raise ValidationError(_l("Add at least one inventor."))

    def validate_ipc(self, field):
        bad = [s for s in split_symbols(field.data) if not IPC_SYMBOL.match(s)]
        if bad:
            raise ValidationError(_l("Not an IPC symbol: %(symbols)s. Write them like "
                                     "A61K 31/00.", symbols=", ".join(bad)))


class PatentForm(TechnicalApplicationForm):
    KIND = "patent"

    examination = RadioField(
        _l("Substantive examination"),
        choices=choices([("now", _l("Request substantive examination now")),
                         ("later", _l("Request it later, within the time limit of the law"))]),
        default="later", validators=[Required()],
        description=_l("The office examines whether the invention is new, inventive and "
                       "industrially applicable only once examination has been requested and "
                       "its fee paid."))
    pct = BooleanField(_l("This is the national phase of an international (PCT) application"))
    pct_number = StringField(
        _l("International application number"), validators=[MaxLength(30)],
        description=_l("For example PCT/KH2025/000123."))
    pct_date = DateField(_l("International filing date"))
    pct_publication = StringField(
        _l("International publication number"), validators=[MaxLength(30)],
        description=_l("For example WO 2025/123456, once published."))
    grace_disclosure = BooleanField(
        _l("The invention was disclosed before filing, within the grace period"),
        description=_l("A disclosure by the inventor, for example at an exhibition, does not "
                       "destroy novelty if the application follows within the period the law "
                       "allows."))
    grace_date = DateField(_l("Date of the disclosure"))
    grace_description = TextAreaField(_l("Where and how it was disclosed"),
                                      validators=[MaxLength(2000)], render_kw={"rows": 2})
    deposit = BooleanField(
        _l("The invention uses biological material deposited with an institution"),
        description=_l("Under the Budapest Treaty, a deposit with a recognised depositary "
                       "institution can complete the description."))
    deposit_institution = StringField(_l("Depositary institution"), validators=[MaxLength(300)])
    deposit_number = StringField(_l("Accession number"), validators=[MaxLength(100)])
    deposit_date = DateField(_l("Date of deposit"))
    divisional_parent = StringField(
        _l("Parent application (divisional applications only)"), validators=[MaxLength(50)],
        description=_l("The number of the earlier application this one is divided from."))

    def validate_pct_number(self, field):
        _needs(self.pct, field, _l("Enter the international application number."))
        if self.pct.data and not PCT_NUMBER.match((field.data or "").strip().upper()):
            raise ValidationError(_l("Write the number like PCT/KH2025/000123."))

    def validate_pct_date(self, field):
        _needs(self.pct, field, _l("Enter the international filing date."))

    def validate_pct_publication(self, field):
        value = (field.data or "").strip().upper()
        if value and not WO_NUMBER.match(value):
            raise ValidationError(_l("Write the number like WO 2025/123456."))

    def validate_grace_date(self, field):
        _needs(self.grace_disclosure, field, _l("Enter the date of the disclosure."))

    def validate_deposit_institution(self, field):
        _needs(self.deposit, field, _l("Name the depositary institution."))

    def validate_deposit_number(self, field):
        _needs(self.deposit, field, _l("Enter the accession number."))


class UtilityModelForm(TechnicalApplicationForm):
    KIND = "utility_model"

    def validate_claims_count(self, field):
        limit = current_app.config.get("UTILITY_MODEL_MAX_CLAIMS", 10)
        if field.data and field.data > limit:
            raise ValidationError(_l("A utility model may have at most %(n)d claims.",
                                     n=limit))
