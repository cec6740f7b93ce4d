"""The agents' client book: parties kept once and their powers of attorney."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.documents.models import Document
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

# The client's fields are those of a party on a filing (forms.parts.party.PartyForm).
PARTY_FIELDS = ("kind", "name", "name_local", "legal_form", "state_of_incorporation", "address",
                "address_local", "country", "nationality", "email", "phone")


class Client(db.Model):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="person")
    name: Mapped[str] = mapped_column(String(300))
    name_local: Mapped[str | None] = mapped_column(String(300))
    legal_form: Mapped[str | None] = mapped_column(String(100))
    state_of_incorporation: Mapped[str | None] = mapped_column(String(2))
    address: Mapped[str] = mapped_column(String(500))
    address_local: Mapped[str | None] = mapped_column(String(500))
    country: Mapped[str] = mapped_column(String(2))
    nationality: Mapped[str | None] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    powers: Mapped[list[PowerOfAttorney]] = relationship(
        back_populates="client", order_by="PowerOfAttorney.valid_from.desc()",
        cascade="all, delete-orphan")

    def party_data(self) -> dict[str, str]:
        return {f: getattr(self, f) or "" for f in PARTY_FIELDS}


class PowerOfAttorney(db.Model):
    __tablename__ = "powers_of_attorney"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    scope: Mapped[str] = mapped_column(String(20))  # "general" or "specific"
    scope_note: Mapped[str | None] = mapped_column(String(500))
    valid_from: Mapped[date] = mapped_column()
    valid_to: Mapped[date | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship(back_populates="powers")
    document: Mapped[Document] = relationship()

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
