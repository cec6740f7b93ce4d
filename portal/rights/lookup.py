"""Looking a right up by its office number, to prefill a request about it.

A source answers for the rights it knows: the portal knows the ones filed through it (once the
office gave them a number); the office's back office will answer for every right in its register
when it offers look-ups (`register_source`). Sources are asked in order; the first answer wins.
A look-up only prefills a form: the user checks and can change what it filled in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import or_, select

from portal.auth.models import User
from portal.extensions import db
from portal.rights.numbers import normalise

# Years from the filing date to the end of a term of protection, where the office has not said.
TERM_YEARS = {"trademark": 10, "design": 5, "patent": 20, "utility_model": 10}


@dataclass(frozen=True)
class RightRecord:
    """What is known of a right: enough to prefill the forms of the requests about it."""

    kind: str
    number: str  # as asked
    application_number: str | None = None
    registration_number: str | None = None
    title: str | None = None
    filed_on: date | None = None
    expires_on: date | None = None
    holder: dict[str, str] = field(default_factory=dict)  # HolderForm's fields
    goods: tuple[tuple[str, str], ...] = ()  # (Nice class, terms)
    designs: int = 0
    claims: int = 0
    filing_id: int | None = None  # when it was filed through the portal

    @property
    def classes(self) -> list[str]:
        return [number for number, _ in self.goods]


class RightSource(Protocol):
    def find(self, user: User, kind: str, numbers: list[str]) -> dict[str, RightRecord]:
        """The rights of `kind` among `numbers` (normalised) that this source knows."""


class PortalSource:
    """Rights filed through the portal by the user or its firm, known by the office's numbers."""

    def find(self, user: User, kind: str, numbers: list[str]) -> dict[str, RightRecord]:
        from portal.filings.models import Filing, FilingStatus
        from portal.filings.services import visible_to

        if not numbers:
            return {}
        wanted = set(numbers)
        found: dict[str, RightRecord] = {}
        for chunk in _chunks(sorted(wanted), 500):
            rows = db.session.scalars(select(Filing).where(
                visible_to(user), Filing.kind == kind, Filing.filing_type == "application",
                Filing.status != FilingStatus.DRAFT,
                or_(Filing.office_number.in_(chunk), Filing.registration_number.in_(chunk))))
            for filing in rows:
                for number in (filing.office_number, filing.registration_number):
                    if number in wanted:
                        found[number] = record_of(filing, number)
        return found


def record_of(filing, number: str) -> RightRecord:
    from portal.filings.services import stored_form

    form = stored_form(filing)
    kind = filing.kind.value
    filed_on = filing.accepted_at.date() if filing.accepted_at else None
    expires_on = filing.expires_on
    if expires_on is None and filed_on and filing.registration_number:
        expires_on = filed_on + relativedelta(years=TERM_YEARS[kind])
    applicants = form.applicants.filled()
    holder = {}
    if applicants:
        first = applicants[0].form
        holder = {"name": "; ".join(e.form.name.data.strip() for e in applicants),
                  "name_local": first.name_local.data or "", "address": first.address.data or "",
                  "country": first.country.data or ""}
    goods = tuple((e.form.class_number.data, e.form.terms.data or "")
                  for e in getattr(form, "goods", None) or [] if e.form.class_number.data)
    designs = len(form.designs.filled()) if hasattr(form, "designs") else 0
    claims = getattr(getattr(form, "claims_count", None), "data", None) or 0
    return RightRecord(kind=kind, number=number, application_number=filing.office_number,
                       registration_number=filing.registration_number, title=filing.title,
                       filed_on=filed_on, expires_on=expires_on, holder=holder, goods=goods,
                       designs=designs, claims=claims, filing_id=filing.id)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def sources() -> list[RightSource]:
    return [PortalSource(), *current_app.extensions.get("right_sources", [])]


def register_source(app, source: RightSource) -> None:
    """Add a source after the portal's own (the back office's look-up, when it offers one)."""
    app.extensions.setdefault("right_sources", []).append(source)


def look_up(user: User, kind: str, numbers: list[str]) -> dict[str, RightRecord]:
    """The known rights among `numbers`, by normalised number."""
    wanted = [normalise(n) for n in numbers if normalise(n)]
    found: dict[str, RightRecord] = {}
    for source in sources():
        missing = [n for n in wanted if n not in found]
        if not missing:
            break
        found.update(source.find(user, kind, missing))
    return found
