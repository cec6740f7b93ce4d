"""The office's statuses (configurable, translated), its notifications, and calendar feeds."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

# WIPO ST.27 categories of patent (and utility model) legal status events.
ST27_CATEGORIES = {
    "A": _l("Application filing"), "B": _l("Application discontinuation"),
    "C": _l("Application revival"), "D": _l("Search and examination"),
    "E": _l("Pre-grant review request"), "F": _l("IP right grant"),
    "G": _l("Protection beyond IP right term"), "H": _l("IP right cessation"),
    "K": _l("IP right revival"), "L": _l("IP right review request"),
    "M": _l("IP right maintenance"), "N": _l("Termination"), "P": _l("Document modification"),
    "Q": _l("Document publication"), "R": _l("Party data change"),
    "S": _l("Licensing and related matters"), "T": _l("Administrative procedure adjustment"),
    "U": _l("Payment"), "V": _l("Appeal"), "W": _l("Other"),
    "Y": _l("Correction and deletion of event information"),
}
# The equivalent grouping for trademarks and designs (the stages of ST.61 and ST.87).
STAGES = {
    "filing": lazy_pgettext("procedure stage", "Filing"), "examination": _l("Examination"),
    "publication": _l("Publication and opposition"),
    "registration": lazy_pgettext("procedure stage", "Registration"),
    "maintenance": _l("Maintenance"), "termination": _l("Termination"),
}


class OfficeStatus(db.Model):
    """A status the office gives filings: its code, names per language and its category."""

    __tablename__ = "office_statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    st27: Mapped[str | None] = mapped_column(String(1))  # patents and utility models
    stage: Mapped[str | None] = mapped_column(String(20))  # trademarks, designs, requests
    position: Mapped[int] = mapped_column(default=0)

    def name(self, locale: str | None, fallback: str | None = None) -> str:
        names = self.names or {}
        for code in (locale, (locale or "").split("_")[0], fallback, "en"):
            if code and names.get(code):
                return names[code]
        return self.code


class Notification(db.Model):
    """A letter from the office about one filing; answered by a response request."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_filing_created", "filing_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"))
    # The back office's event id: a notification sent twice is kept once.
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id",
                                                              ondelete="SET NULL"))
    response_due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Shared by everyone who sees the filing (the agents of a firm read one mailbox).
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_filing_id: Mapped[int | None] = mapped_column(
        ForeignKey("filings.id", ondelete="SET NULL"))
    # The subject and body in other languages, {locale: {"subject": ..., "body": ...}};
    # `subject` and `body` above are the office's default language.
    texts: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON)

    filing = relationship("Filing", foreign_keys=[filing_id])
    document = relationship("Document")

    def text_for(self, locale: str | None,
                 office_default: str | None = None) -> tuple[str, str]:
        """(subject, body) in `locale`, else in the office's default language (also when
        only the plain columns hold it)."""
        from portal.i18n import fallback_order

        texts = self.texts or {}
        for code in fallback_order(locale, office_default, english=False):
            entry = texts.get(code)
            if isinstance(entry, dict) and (entry.get("subject") or "").strip():
                return entry["subject"], entry.get("body") or ""
        return self.subject, self.body or ""


class NotificationTemplate(db.Model):
    """A notification the office sends often: its texts in each language, ready to send."""

    __tablename__ = "notification_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))  # for staff, in the console
    texts: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    response_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def text_for(self, locale: str | None,
                 office_default: str | None = None) -> tuple[str, str]:
        from portal.i18n import fallback_order

        for code in fallback_order(locale, office_default):
            entry = (self.texts or {}).get(code)
            if isinstance(entry, dict) and (entry.get("subject") or "").strip():
                return entry["subject"], entry.get("body") or ""
        return self.title, ""


class CalendarFeed(db.Model):
    """A user's private iCalendar address: only a hash of its secret is kept."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
