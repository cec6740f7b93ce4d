"""API clients: the back office (and other systems) and users' personal access tokens.

Only a SHA-256 of each token is stored, with its first characters to recognise it in lists;
the token itself is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

SCOPES = ("submissions:read", "submissions:write", "filings:read", "filings:write")
# What a user's personal token may do: its own filings only.
PERSONAL_SCOPES = ("filings:read", "filings:write")
TOKEN_PREFIX = "ipp_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(db.Model):
    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # A personal access token belongs to a user and acts as that user; a system client does not.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_start: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def create_client(name: str, scopes: list[str], *, user: User | None = None,
                  created_by: User | None = None) -> tuple[ApiClient, str]:
    """A new client and its token (returned once, never stored)."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)}")
    if user is not None and not set(scopes) <= set(PERSONAL_SCOPES):
        raise ValueError(f"a personal token may have only {', '.join(PERSONAL_SCOPES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(name=name, user_id=user.id if user else None, token_hash=hash_token(token),
                       token_start=token[:12], scopes=sorted(set(scopes)),
                       created_by_id=created_by.id if created_by else None)
    db.session.add(client)
    db.session.flush()
    return client, token


def client_for(token: str) -> ApiClient | None:
    """The active client of `token`, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token)))
    return client if client is not None and client.active else None
