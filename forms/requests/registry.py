"""Every post-filing request type, in the order the Requests page lists them."""

from __future__ import annotations

from functools import cache

from forms.requests.annuity import AnnuityForm
from forms.requests.assignment import AssignmentForm
from forms.requests.base import RequestForm
from forms.requests.certified_copy import CertifiedCopyForm
from forms.requests.change_name_address import ChangeNameAddressForm
from forms.requests.correction import CorrectionForm
from forms.requests.correspondence_address import CorrespondenceAddressForm
from forms.requests.division import DivisionForm
from forms.requests.examination import ExaminationForm
from forms.requests.extension import ExtensionForm
from forms.requests.licence import LicenceForm
from forms.requests.limitation import LimitationForm
from forms.requests.renewal import RenewalForm
from forms.requests.representative import RepresentativeForm
from forms.requests.response import ResponseForm
from forms.requests.restoration import RestorationForm
from forms.requests.security_interest import SecurityInterestForm
from forms.requests.surrender import SurrenderForm
from forms.requests.withdrawal import WithdrawalForm

REQUEST_TYPES: dict[str, type[RequestForm]] = {form.TYPE: form for form in (
    RenewalForm, AnnuityForm, ChangeNameAddressForm, AssignmentForm, LicenceForm,
    SecurityInterestForm, RepresentativeForm, CorrespondenceAddressForm, ExtensionForm,
    ResponseForm, ExaminationForm, WithdrawalForm, SurrenderForm, CertifiedCopyForm,
    CorrectionForm, RestorationForm, DivisionForm, LimitationForm)}


@cache
def request_form(code: str, kind: str) -> type[RequestForm]:
    """The form of request type `code` for rights of `kind` (KeyError when there is none)."""
    form = REQUEST_TYPES[code]
    if kind not in form.KINDS:
        raise KeyError((code, kind))
    return form.for_kind(kind)
