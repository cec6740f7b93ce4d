"""What a draft would cost: the fee basis read from its form, priced by the office's tariff."""

from __future__ import annotations

from datetime import date

from forms.applications.base import ApplicationForm
from payments.fees import FeeBasis, FeeQuote, calculate_fees
from portal.filings.models import Filing

# The document slots whose pages count towards page fees.
PAGE_SLOTS = ("description_pdf", "claims_pdf", "drawings_pdf", "abstract_pdf")


def count_pages(filing: Filing) -> int:
    return sum(d.pages or 0 for d in filing.documents if d.slot in PAGE_SLOTS)


def fee_basis(filing: Filing, form: ApplicationForm) -> FeeBasis:
    kind = filing.kind.value
    if filing.is_request:  # priced right by right (forms.requests.base.RequestForm.fee_parts)
        return FeeBasis(kind=kind, filing_type=filing.filing_type,
                        parts=tuple(form.fee_parts()))
    flags: set[str] = set()
    claims = pages = classes = designs = 0
    if kind == "trademark":
        classes = len({e.form.class_number.data for e in form.goods.filled()
                       if e.form.class_number.data})
    if kind in ("patent", "utility_model"):
        claims = form.claims_count.data or 0
        pages = count_pages(filing)
    if kind == "patent" and form.examination.data == "now":
        flags.add("examination_requested")
    if kind == "design":
        designs = len(form.designs.filled())
        if form.deferment.data:
            flags.add("deferred_publication")
    category = form.fee_category.data or "standard"
    return FeeBasis(kind=kind, filing_type=filing.filing_type, classes=classes,
                    claims=max(claims, 0), pages=pages, designs=designs,
                    priorities=len(form.priorities.filled()),
                    applicant_category=category if category in _CATEGORIES else "standard",
                    flags=frozenset(flags))


_CATEGORIES = {"standard", "natural_person", "small_entity", "university"}


def quote_filing(filing: Filing, form: ApplicationForm, on: date | None = None) -> FeeQuote:
    return calculate_fees(fee_basis(filing, form), on=on)


def base_fee(kind: str, on: date | None = None) -> FeeQuote:
    """The fee of the simplest application of `kind`, for the "New filing" page."""
    return calculate_fees(FeeBasis(kind=kind, classes=1 if kind == "trademark" else 0,
                                   designs=1 if kind == "design" else 0), on=on)
