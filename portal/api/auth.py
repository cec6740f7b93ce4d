"""Bearer tokens and scopes; errors as JSON `{"error": {"code", "message"}}`."""

from __future__ import annotations

import hashlib
from functools import wraps

from flask import g, jsonify, request
from marshmallow import INCLUDE, Schema, ValidationError, fields
from werkzeug.exceptions import HTTPException

from portal.api.models import ApiClient, client_for
from portal.audit import write_kept
from portal.auth.models import Role, User
from portal.extensions import db
from portal.timeutil import utcnow


class Text(fields.String):
    """A string the database can keep: no NUL character, no lone UTF-16 surrogate (JSON's
    "\\u0000" and "\\ud800" decode to both, and PostgreSQL refuses them). The OpenAPI document
    says so with a pattern, unless the field names its own."""

    def __init__(self, *args, **kwargs):
        metadata = {"pattern": r"^[^\u0000]*$", **(kwargs.pop("metadata", None) or {})}
        super().__init__(*args, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain the NUL character.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError("Must be valid Unicode text.") from exc
        return text


class FieldError(Schema):
    field = fields.String(required=True, metadata={"description": "Dotted path, e.g. `limit`."})
    message = fields.String(required=True)


class ErrorDetail(Schema):
    class Meta:
        unknown = INCLUDE  # an error may carry details of its own beside the code and message

    code = fields.String(required=True, metadata={"description": "A stable error code."})
    message = fields.String(required=True)
    field_errors = fields.List(fields.Nested(FieldError), data_key="fields", metadata={
        "description": "With `invalid_request`: what is wrong with which field."})


class ErrorSchema(Schema):
    """Every error of the API: {"error": {"code": ..., "message": ...}}."""

    error = fields.Nested(ErrorDetail, required=True)


class ApiError(HTTPException):
    """An API error with a stable machine-readable code; `details` (JSON values, e.g. a list of
    field errors) go into the error object beside the code and the message."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.details = details


def error_response(status: int, code: str, message: str, headers: dict | None = None,
                   details: dict | None = None):
    response = jsonify(error={**(details or {}), "code": code, "message": message})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_http_exception(error: HTTPException):
    """Every error under /api/ in the contract's form; nothing the request did is committed
    but the audit entries that must be kept (portal.audit.audit_kept)."""
    db.session.rollback()
    g.rolled_back = True
    write_kept()
    code = getattr(error, "error_code", None) or (error.name or "error").lower().replace(" ", "_")
    data = getattr(error, "data", None) or {}
    message = error.description or error.name
    details = dict(getattr(error, "details", None) or {})
    if data.get("messages"):  # webargs' validation errors
        message = f"invalid request: {data['messages']}"
        code = "invalid_request"
        details["fields"] = list(_field_messages(data["messages"]))
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if error.code == 401 else {}
    return error_response(error.code or 500, code, message, headers, details)


_LOCATIONS = {"json", "query", "form", "files", "headers", "path", "form_and_files"}


def _field_messages(messages, path: tuple[str, ...] = ()):
    """webargs' {location: {field: [message]}} as [{"field": "a.b", "message": ...}]."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            inner = path if not path and key in _LOCATIONS else (*path, str(key))
            yield from _field_messages(value, inner)
    elif isinstance(messages, list):
        for message in messages:
            yield from _field_messages(message, path)
    else:
        yield {"field": ".".join(path), "message": str(messages)}


def current_client() -> ApiClient:
    return g.api_client


def current_api_user() -> User:
    """The user a personal token acts as (set by `require(..., personal=True)`)."""
    return g.api_user


def token_rate_key() -> str:
    """The rate limit's key: the token (hashed), so that each token has its own budget."""
    header = request.headers.get("Authorization", "")
    return "api:" + hashlib.sha256(header.encode()).hexdigest()[:32]


def require(*scopes: str, personal: bool = False):
    """The view needs a valid bearer token with every scope in `scopes`.

    `g.api_client` is the client; `g.api_user` the user a personal token acts as (None for a
    system client). With `personal`, only a filer's personal token is let in: the view acts
    as that user and sees what the user sees on the web.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            kind, _, token = header.partition(" ")
            client = client_for(token.strip()) if kind.lower() == "bearer" else None
            if client is None:
                raise ApiError(401, "unauthorized", "a valid bearer token is required")
            missing = [s for s in scopes if s not in client.scopes]
            if missing:
                raise ApiError(403, "forbidden", f"the token lacks the scope {missing[0]}")
            if client.user is not None and not client.user.is_active:
                raise ApiError(401, "unauthorized", "the token's account is disabled")
            if personal and (client.user is None or client.user.role not in FILERS):
                raise ApiError(403, "forbidden",
                               "only an applicant's or an agent's personal token may do this")
            client.last_used_at = utcnow()
            g.api_client, g.api_user = client, client.user
            return view(*args, **kwargs)

        wrapper._api_scopes = scopes  # noqa: SLF001 - read by the OpenAPI security decorator
        return wrapper

    return decorate


FILERS = (Role.APPLICANT, Role.AGENT)
