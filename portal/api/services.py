"""Personal access tokens: a filer makes tokens for its own docketing system, lists and revokes
them. A token acts as its user and sees only what the user sees on the web."""

from __future__ import annotations

from sqlalchemy import select

from portal.api.models import PERSONAL_SCOPES, ApiClient, create_client
from portal.audit import audit
from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import utcnow


def list_personal_tokens(user: User) -> list[ApiClient]:
    """The user's tokens, active ones first, newest first."""
    return list(db.session.scalars(
        select(ApiClient).where(ApiClient.user_id == user.id)
        .order_by(ApiClient.revoked_at.is_not(None), ApiClient.created_at.desc(),
                  ApiClient.id.desc())))


def create_personal_token(user: User, name: str, scopes: list[str]) -> tuple[ApiClient, str]:
    """A new token of the user's; the token itself is returned once and never stored."""
    if not scopes or not set(scopes) <= set(PERSONAL_SCOPES):
        raise ValueError("a personal token needs some of " + ", ".join(PERSONAL_SCOPES))
    client, token = create_client(name.strip(), scopes, user=user, created_by=user)
    audit("api_token.created", user=user, obj=client, name=client.name, scopes=client.scopes,
          token_start=client.token_start)
    return client, token


def get_personal_token(user: User, token_id: int) -> ApiClient | None:
    """The user's token `token_id`, or None (another user's token is not found either)."""
    return db.session.scalar(select(ApiClient).where(ApiClient.id == token_id,
                                                     ApiClient.user_id == user.id))


def revoke_personal_token(user: User, client: ApiClient) -> bool:
    """Refuse the token from now on; False when it already was revoked."""
    if client.user_id != user.id:
        raise ValueError("not the user's token")
    if client.revoked_at is not None:
        return False
    client.revoked_at = utcnow()
    audit("api_token.revoked", user=user, obj=client, name=client.name,
          token_start=client.token_start)
    return True
