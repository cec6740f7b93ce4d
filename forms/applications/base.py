"""What every new application asks: the filer's reference, applicants, priorities, fee category.

A draft may be saved with anything in it; `validate()` is the "check before filing". Documents
are uploaded with the form but checked and kept apart (portal.filings.documents); each form
names its document slots in DOCUMENTS.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from wtforms import FormField, StringField
from wtforms.validators import ValidationError

from forms.base import PortalForm
from forms.fields import EntryList, SelectField, choices
from forms.parts.party import PartyForm
from forms.parts.priority import PriorityForm
from forms.validators import MaxLength

FEE_CATEGORIES = [
    ("standard", _l("No reduction")),
    ("natural_person", _l("The applicants are natural persons")),
    ("small_entity", _l("The applicant is a small or medium-sized enterprise")),
    ("university", _l("The applicant is a university or public research institution")),
]


@dataclass(frozen=True)
class DocumentSlot:
    """An upload place on a form: which kind of document, and whether the filing needs it."""

    kind: str
    label: object
    required: bool = False
    multiple: bool = False
    accept: str = "application/pdf"


class ApplicationForm(PortalForm):
    KIND = ""
    DOCUMENTS: dict[str, DocumentSlot] = {}

    reference = StringField(
        _l("Your reference"), validators=[MaxLength(100)],
        description=_l("Your own reference for this filing, shown in lists and on receipts."))
    applicants = EntryList(FormField(PartyForm), min_entries=1, max_entries=50,
                           label=_l("Applicants"))
    priorities = EntryList(FormField(PriorityForm), min_entries=1, max_entries=20,
                           label=_l("Priority claims"))
    fee_category = SelectField(
        _l("Fee reduction"), choices=choices(FEE_CATEGORIES), default="standard",
        description=_l("The office reduces some fees for natural persons, small and "
                       "medium-sized enterprises and universities. Claim a reduction only if "
                       "every applicant qualifies; the office may ask for proof."))

    def display_title(self) -> str:
        """What lists show for this filing: the mark, the title, the product."""
        return ""

    def applicant_names(self) -> list[str]:
        return [e.form.name.data.strip() for e in self.applicants.entries
                if (e.form.name.data or "").strip()]

    def local_names(self) -> list[str]:
        return [e.form.name_local.data.strip() for e in self.applicants.entries
                if (e.form.name_local.data or "").strip()]

    def required_documents(self) -> set[str]:
        """The document slots this filing cannot go without, given what the form says."""
        return {name for name, slot in self.DOCUMENTS.items() if slot.required}

    def validate_applicants(self, field):
        if not field.filled():
            raise ValidationError(_l("Add at least one applicant."))
