"""Bearer tokens and scopes; errors as JSON `{"error": {"code", "message"}}`."""

from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from portal.api.models import ApiClient, client_for
from portal.timeutil import utcnow


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"description": "A stable error code."})
    message = fields.String(required=True)


class ErrorSchema(Schema):
    """Every error of the API: {"error": {"code": ..., "message": ...}}."""

    error = fields.Nested(ErrorDetail, required=True)


class ApiError(HTTPException):
    """An API error with a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(description=message)
        self.code = status
        self.error_code = code


def error_response(status: int, code: str, message: str, headers: dict | None = None):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_http_exception(error: HTTPException):
    """Every error under /api/ in the contract's form."""
    code = getattr(error, "error_code", None) or (error.name or "error").lower().replace(" ", "_")
    data = getattr(error, "data", None) or {}
    message = error.description or error.name
    if data.get("messages"):  # webargs' validation errors
        message = f"invalid request: {data['messages']}"
        code = "invalid_request"
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if error.code == 401 else {}
    return error_response(error.code or 500, code, message, headers)


def current_client() -> ApiClient:
    return g.api_client


def require(*scopes: str):
    """The view needs a valid bearer token with every scope in `scopes`."""

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
            client.last_used_at = utcnow()
            g.api_client = client
            return view(*args, **kwargs)

        wrapper._api_scopes = scopes  # noqa: SLF001 - read by the OpenAPI security decorator
        return wrapper

    return decorate
