"""The console's accounts: finding users, verifying agents, disabling and re-enabling accounts,
changing roles, and the API clients. Each change is audited with its before and after, and a
repeated change does nothing more; the request commits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.api.models import ApiClient, create_client
from portal.audit import AuditEntry, audit
from portal.auth.models import Firm, Role, User
from portal.auth.services import change_role
from portal.auth.sessions import end_sessions
from portal.extensions import db
from portal.timeutil import utcnow

USER_STATES = {
    "active": (_l("Active"), User.active.is_(True)),
    "disabled": (_l("Disabled"), User.active.is_(False)),
    "unconfirmed": (_l("Email not confirmed"), User.email_confirmed_at.is_(None)),
    "unverified": (_l("Agents awaiting verification"),
                   and_(User.role == Role.AGENT, User.agent_verified_at.is_(None))),
}
CLIENT_KINDS = {
    "system": (_l("System clients"), ApiClient.user_id.is_(None)),
    "personal": (_l("Personal tokens"), ApiClient.user_id.is_not(None)),
}


class ConsoleError(Exception):
    """A console action that is refused; `message` is translated."""

    message = _l("This cannot be done.")


class OwnAccount(ConsoleError):
    message = _l("You cannot disable your own account or remove your own administrator role. "
                 "Ask another administrator.")


class NotAnAgent(ConsoleError):
    message = _l("Only an agent's registration is verified.")


class AlreadyCreated(ConsoleError):
    message = _l("This client was already made by your first click, and its token was shown "
                 "in that answer only. If nobody copied it, revoke the client and make a new "
                 "one.")

    def __init__(self, client: ApiClient):
        super().__init__(client.name)
        self.client = client


# --- users ---------------------------------------------------------------------------------

def search_users(q: str = "", role: str = "", state: str = "", *, offset: int = 0,
                 limit: int = 50) -> list[User]:
    """Users matching `q` in email, name, organisation, firm or agent number, newest first."""
    query = select(User).outerjoin(Firm, Firm.id == User.firm_id).options(
        contains_eager(User.firm))
    if q:
        query = query.where(or_(*(column.icontains(q, autoescape=True) for column in (
            User.email, User.full_name, User.organisation, Firm.name, User.agent_number))))
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if state in USER_STATES:
        query = query.where(USER_STATES[state][1])
    return list(db.session.scalars(query.order_by(User.id.desc()).offset(offset).limit(limit)))


def audit_about(user: User, limit: int = 20) -> list[AuditEntry]:
    """The latest audit entries whose object is `user`."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "User",
                                 AuditEntry.object_id == str(user.id))
        .order_by(AuditEntry.id.desc()).limit(limit)))


def count_tokens(user: User) -> int:
    return db.session.scalar(select(func.count(ApiClient.id)).where(
        ApiClient.user_id == user.id, ApiClient.revoked_at.is_(None))) or 0


def verify_agent(user: User, by: User) -> bool:
    """Record that the office checked the agent's registration; False if it already had."""
    if user.role is not Role.AGENT:
        raise NotAnAgent()
    if user.agent_verified_at is not None:
        return False
    user.agent_verified_at, user.agent_verified_by_id = utcnow(), by.id
    audit("account.agent_verified", user=by, obj=user, before={"agent_verified_at": None},
          after={"agent_verified_at": user.agent_verified_at.isoformat()})
    return True


def disable_user(user: User, by: User) -> bool:
    """Refuse the account from now on: its sessions end at once, and its tokens stop working
    (the API refuses a disabled user's token). False if it already was disabled."""
    if user.id == by.id:
        raise OwnAccount()
    if not user.active:
        return False
    user.active = False
    end_sessions(user)  # every open session is refused on its next request
    audit("account.disabled", user=by, obj=user, before={"active": True},
          after={"active": False})
    return True


def enable_user(user: User, by: User) -> bool:
    if user.active:
        return False
    user.active = True
    audit("account.enabled", user=by, obj=user, before={"active": False},
          after={"active": True})
    return True


def set_role(user: User, role: Role, by: User) -> bool:
    """Give `user` the role `role` (audited by change_role); False if it already had it."""
    if user.id == by.id and role is not Role.ADMIN:
        raise OwnAccount()
    if user.role is role:
        return False
    change_role(user, role, by=by)
    return True


# --- API clients ---------------------------------------------------------------------------

def list_clients(kind: str = "", owner_id: int | None = None, *, offset: int = 0,
                 limit: int = 50) -> list[ApiClient]:
    """Active clients first, then newest first, with their owners."""
    query = select(ApiClient).options(joinedload(ApiClient.user))
    if kind in CLIENT_KINDS:
        query = query.where(CLIENT_KINDS[kind][1])
    if owner_id is not None:
        query = query.where(ApiClient.user_id == owner_id)
    query = query.order_by(ApiClient.revoked_at.is_not(None), ApiClient.id.desc())
    return list(db.session.scalars(query.offset(offset).limit(limit)))


def create_system_client(name: str, scopes: list[str], by: User,
                         request_id: str) -> tuple[ApiClient, str]:
    """A new system client and its token, shown once. `request_id` comes with the form: the
    same form sent twice (a double click) makes one client, and the second answer says so."""
    # Holding the admin's row makes two sends of one form wait for each other.
    db.session.execute(select(User.id).where(User.id == by.id).with_for_update())
    done = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "api_client.created",
                                 AuditEntry.user_id == by.id,
                                 AuditEntry.details["request_id"].as_string() == request_id)
        .limit(1))
    if done is not None:
        raise AlreadyCreated(db.session.get(ApiClient, int(done.object_id)))
    client, token = create_client(name.strip(), scopes, created_by=by)
    audit("api_client.created", user=by, obj=client, request_id=request_id, before=None,
          after={"name": client.name, "scopes": client.scopes,
                 "token_start": client.token_start})
    return client, token


def revoke_client(client: ApiClient, by: User) -> bool:
    """Refuse the client's token from now on; False if it already was revoked."""
    if client.revoked_at is not None:
        return False
    client.revoked_at = utcnow()
    audit("api_client.revoked", user=by, obj=client, name=client.name,
          token_start=client.token_start, before={"revoked_at": None},
          after={"revoked_at": client.revoked_at.isoformat()})
    return True
