"""Who may see what: one helper to require a role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user, login_required

from portal.auth.models import Role


def role_required(*roles: Role) -> Callable:
    """Require a logged-in user with one of `roles`.

    Anonymous users are sent to the login page; users of another role get 404, so that pages
    they may not use do not even show that they exist.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


office_required = role_required(Role.STAFF, Role.ADMIN)
admin_required = role_required(Role.ADMIN)
filer_required = role_required(Role.APPLICANT, Role.AGENT)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def next_from_request() -> str | None:
    return safe_next(request.values.get("next"))
