"""Filings: applications and requests, from draft to the office's statuses."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.dbtypes import str_enum
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class IPKind(enum.StrEnum):
    TRADEMARK = "trademark"
    PATENT = "patent"
    DESIGN = "design"
    UTILITY_MODEL = "utility_model"

    @property
    def label(self) -> str:
        return str(IP_KIND_LABELS[self])

    @property
    def help(self) -> str:
        return str(IP_KIND_HELP[self])


IP_KIND_HELP = {
    "trademark": _l("A sign that distinguishes your goods or services: words, a logo, a shape, "
                    "a colour, a sound."),
    "patent": _l("A new invention that involves an inventive step and can be made or used in "
                 "industry."),
    "design": _l("The new appearance of a product; several designs can go in one "
                 "application."),
    "utility_model": _l("A smaller technical improvement, registered faster and for a shorter "
                        "term than a patent."),
}
IP_KIND_LABELS = {
    IPKind.TRADEMARK: _l("Trademark"),
    IPKind.PATENT: _l("Patent"),
    IPKind.DESIGN: _l("Industrial design"),
    IPKind.UTILITY_MODEL: _l("Utility model"),
}


class FilingStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # in an order, awaiting payment
    ACCEPTED = "accepted"  # paid in full: portal number and filing time fixed
    WITHDRAWN = "withdrawn"  # withdrawn before delivery, its fees refunded

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    FilingStatus.DRAFT: _l("Draft"),
    FilingStatus.SUBMITTED: _l("Submitted, awaiting payment"),
    FilingStatus.ACCEPTED: _l("Accepted"),
    FilingStatus.WITHDRAWN: _l("Withdrawn"),
}
# The letters of the portal number of each kind: EF-TM-2026-000042.
KIND_CODES = {"trademark": "TM", "patent": "PT", "design": "ID", "utility_model": "UM"}


def new_uuid() -> str:
    return str(uuid.uuid4())


class Filing(db.Model):
    __tablename__ = "filings"
    __table_args__ = (Index("ix_filings_firm_status", "firm_id", "status"),
                      Index("ix_filings_owner_status", "owner_id", "status"),
                      # the dashboard: a filer's filings by last activity
                      Index("ix_filings_firm_activity", "firm_id", "last_event_at", "id"),
                      Index("ix_filings_owner_activity", "owner_id", "last_event_at", "id"),
                      Index("ix_filings_firm_deadline", "firm_id", "next_deadline"))

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Agents of one firm share its filings; an applicant's own filings have no firm.
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"))
    kind: Mapped[IPKind] = mapped_column(str_enum(IPKind))
    filing_type: Mapped[str] = mapped_column(String(40), default="application")
    status: Mapped[FilingStatus] = mapped_column(str_enum(FilingStatus),
                                                 default=FilingStatus.DRAFT)
    reference: Mapped[str | None] = mapped_column(String(100))
    # What lists and searches show, kept in step with the form on every save.
    title: Mapped[str | None] = mapped_column(String(500))
    applicant_names: Mapped[str | None] = mapped_column(String(1000))
    names_local: Mapped[str | None] = mapped_column(String(1000))  # the same, local script
    # The form exactly as the user left it: [[name, value], ...]. Nothing typed is lost.
    form_data: Mapped[list[Any]] = mapped_column(JSON, default=list)
    problems: Mapped[int | None] = mapped_column()  # from the last check; 0 = ready to file
    portal_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    # Given by the office: its application number, and once registered or granted, the
    # registration (patent) number and the date protection ends unless renewed.
    office_number: Mapped[str | None] = mapped_column(String(40), index=True)
    registration_number: Mapped[str | None] = mapped_column(String(40), index=True)
    expires_on: Mapped[date | None] = mapped_column(Date)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The office's own status (portal.tracking.models.OfficeStatus.code) and when it was given.
    office_status: Mapped[str | None] = mapped_column(String(40))
    office_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept in step for the dashboard: the last event, the next deadline, the client, and the
    # lower-case text searched (numbers, reference, title, names in every script).
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_event_kind: Mapped[str | None] = mapped_column(String(40))
    next_deadline: Mapped[date | None] = mapped_column(Date)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    search_text: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Order of acceptance, from one counter whose row lock is held until the accepting
    # transaction commits: a later number never becomes visible before an earlier one, so the
    # back office's cursor over accepted filings skips and repeats nothing.
    accepted_seq: Mapped[int | None] = mapped_column(unique=True, index=True)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id",
                                                                  ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    documents: Mapped[list[Document]] = relationship(
        back_populates="filing", order_by="Document.id", cascade="all, delete-orphan")
    events: Mapped[list[FilingEvent]] = relationship(
        back_populates="filing", order_by="FilingEvent.id", cascade="all, delete-orphan")

    @property
    def is_draft(self) -> bool:
        return self.status is FilingStatus.DRAFT

    @property
    def is_request(self) -> bool:
        return self.filing_type != "application"

    @property
    def type_label(self) -> str:
        """What this filing is, for lists and receipts: "Trademark application", "Renewal
        (trademark)"."""
        if not self.is_request:
            return str(_l("%(kind)s application", kind=self.kind.label))
        from forms.requests.registry import REQUEST_TYPES

        request_type = REQUEST_TYPES.get(self.filing_type)
        name = request_type.LABEL if request_type else self.filing_type
        return str(_l("%(request)s (%(kind)s)", request=name, kind=self.kind.label.lower()))

    def refresh_search_text(self) -> None:
        """The lower-case text the dashboard searches: numbers, reference, title and names."""
        parts = (self.portal_number, self.office_number, self.registration_number,
                 self.reference, self.title, self.applicant_names, self.names_local)
        self.search_text = " | ".join(p for p in parts if p).lower() or None

    def fee_basis(self):
        """What the tariff charges for: read from the form as saved (payments.fees)."""
        from portal.filings.fees import fee_basis
        from portal.filings.services import stored_form

        return fee_basis(self, stored_form(self))


EVENT_LABELS = {
    "submitted": _l("Submitted in an order"),
    "paid": lazy_pgettext("event of a filing", "Paid"),
    "accepted": _l("Accepted"),
    "returned_to_draft": _l("Returned to the drafts: the order was not paid"),
    "withdrawn": _l("Withdrawn"),
    "created": _l("Draft created"),
    "delivered": _l("Delivered to the office"),
    "status": _l("Status from the office"),
    "notification": _l("Notification from the office"),
    "response_filed": _l("Response filed"),
}


class FilingEvent(db.Model):
    """The file history: everything that happened to a filing, in order."""

    __tablename__ = "filing_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The back office's id of an event it reported: the same report twice is recorded once.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    filing: Mapped[Filing] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


def record_event(filing: Filing, kind: str, actor: User | None = None, *,
                 at: datetime | None = None, external_id: str | None = None,
                 **data: Any) -> FilingEvent:
    at = at or utcnow()
    event = FilingEvent(filing=filing, kind=kind, actor_id=actor.id if actor else None,
                        data=data, at=at, external_id=external_id)
    db.session.add(event)
    if filing.last_event_at is None or at >= filing.last_event_at:
        filing.last_event_at, filing.last_event_kind = at, kind
    return event


from portal.documents.models import Document  # noqa: E402  (the two refer to each other)
