"""The API's place in the app: flask-smorest for the OpenAPI document, CSRF off (bearer tokens,
no cookies), a rate limit per token."""

from __future__ import annotations

from http import HTTPStatus

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api

from portal.api.auth import ErrorSchema
from portal.extensions import csrf


class PortalApi(Api):
    """flask-smorest's Api without its app-wide JSON error handler: the portal's pages keep
    their HTML errors, and the API's blueprint answers in the contract's form."""

    ERROR_SCHEMA = ErrorSchema
    # No catch-all "default" response: each operation lists every status it may answer, so
    # that a client (and schemathesis) can tell a documented error from a surprise.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


class CommonErrors(BasePlugin):
    """The errors every view may answer, documented once for all of them: 401, 403 and 429
    behind a bearer token (`require` and the rate limit per token), 404 with an id in the path
    (an unknown id, or one that is not a number), 400 with a body (one that is not JSON)."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})  # flask-smorest: int keys
            statuses = [*((401, 403, 429) if operation.get("security") else ()),
                        *((404,) if "{" in (path or "") else ()),
                        *((400,) if "requestBody" in operation else ())]
            for status in statuses:
                if status not in responses and str(status) not in responses:
                    responses[status] = HTTPStatus(status).name


def init_api(app: Flask) -> PortalApi:
    from portal.api.docs import bp as docs_bp
    from portal.api.filings import blp as filings_blp
    from portal.api.views import blp

    app.config.setdefault("API_TITLE", "Filing portal API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = PortalApi(app, spec_kwargs={"extra_plugins": [CommonErrors()], "info": {
        "description": (
            "The back office pulls accepted submissions and reports status changes and "
            "notifications. Bearer tokens with scopes; errors as {\"error\": {\"code\", "
            "\"message\"}}.")}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    csrf.exempt(blp)
    api.register_blueprint(blp)
    csrf.exempt(filings_blp)
    api.register_blueprint(filings_blp)
    app.register_blueprint(docs_bp)  # a page for people, beside the document it shows
    return api
