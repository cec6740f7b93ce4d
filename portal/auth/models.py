"""Accounts: users, their roles, and agents' firms."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.dbtypes import str_enum
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    AGENT = "agent"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])

    @property
    def is_office(self) -> bool:
        return self in (Role.STAFF, Role.ADMIN)


ROLE_LABELS = {
    Role.APPLICANT: _l("Applicant"),
    Role.AGENT: _l("Agent"),
    Role.STAFF: _l("Office staff"),
    Role.ADMIN: _l("Administrator"),
}


class PartyKind(enum.StrEnum):
    PERSON = "person"
    ENTITY = "entity"

    @property
    def label(self) -> str:
        return str(PARTY_KIND_LABELS[self])


PARTY_KIND_LABELS = {
    PartyKind.PERSON: _l("Natural person"),
    PartyKind.ENTITY: _l("Legal entity (company, university, institution)"),
}


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Firm(db.Model):
    """An agents' firm: its agent users share one client book."""

    __tablename__ = "firms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="firm")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.APPLICANT)
    party_kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind), default=PartyKind.PERSON)
    organisation: Mapped[str | None] = mapped_column(String(200))
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    agent_number: Mapped[str | None] = mapped_column(String(50))
    locale: Mapped[str | None] = mapped_column(String(10))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login session's identity: rotating it ends every other session.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An agent's registration as checked by the office (the console); unverified agents may
    # still use the portal.
    agent_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    # The second factor (portal.auth.second_factor): the TOTP secret, encrypted; when it was
    # turned on; the last time step a code was accepted for (each code is good once); and
    # whether the account must enrol again at its next login (an administrator reset it).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    second_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    second_factor_must_enrol: Mapped[bool] = mapped_column(default=False,
                                                           server_default=false())

    firm: Mapped[Firm | None] = relationship(back_populates="members")
    agent_verified_by: Mapped[User | None] = relationship(remote_side=[id],
                                                          foreign_keys=[agent_verified_by_id])

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def display_name(self) -> str:
        return self.organisation or self.full_name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class RecoveryCode(db.Model):
    """One of a user's one-time recovery codes: only its keyed hash is kept."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's index (user_id first) serves the lookups by user.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(db.Model):
    """One login (portal.auth.sessions). Its session cookie and its remember-me cookie carry a
    random key whose hash is kept here: deleting the row (logout, logout everywhere, the end of
    the session) makes both cookies worthless, wherever they were copied to."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The login's time: the absolute lifetime (SESSION_MAX_HOURS) counts from it.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # "Keep me logged in on this device" (filers only): no idle timeout, and a remember-me
    # cookie that outlives the browser, both until the absolute lifetime.
    remember: Mapped[bool] = mapped_column(default=False, server_default=false())
