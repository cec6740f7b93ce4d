"""The API's place in the app: flask-smorest for the OpenAPI document, CSRF off (bearer tokens,
no cookies), a rate limit per token."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from portal.api.auth import ErrorSchema
from portal.extensions import csrf


class PortalApi(Api):
    """flask-smorest's Api without its app-wide JSON error handler: the portal's pages keep
    their HTML errors, and the API's blueprint answers in the contract's form."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


def init_api(app: Flask) -> PortalApi:
    from portal.api.views import blp

    app.config.setdefault("API_TITLE", "Filing portal API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = PortalApi(app, spec_kwargs={"info": {"description": (
        "The back office pulls accepted submissions and reports status changes and "
        "notifications. Bearer tokens with scopes; errors as {\"error\": {\"code\", "
        "\"message\"}}.")}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    csrf.exempt(blp)
    api.register_blueprint(blp)
    return api
