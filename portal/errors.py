"""Error pages: translated, never a stack trace, and nothing of a failed request is committed."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from portal.audit import write_kept
from portal.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("The request could not be understood"),
          _l("Something in what was sent is not valid. Go back and try again.")),
    403: (_l("Not allowed"), _l("You may not do this.")),
    404: (_l("Page not found"),
          _l("The page you asked for does not exist, or you may not see it.")),
    405: (_l("Not allowed"), _l("This action is not possible on this page.")),
    413: (_l("What you sent is too large"),
          _l("The form or file you sent is larger than the portal accepts. Go back, make it "
             "smaller and send it again; what you typed is still in the page you came from.")),
    429: (_l("Too many attempts"),
          _l("You have tried this too many times. Wait a few minutes, then try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing of what you sent was saved. Try again in a moment; if it keeps "
             "happening, contact the office.")),
    503: (_l("The portal is not available"),
          _l("The portal is being maintained. Try again in a few minutes.")),
}
CSRF_MESSAGE = (_l("The form has expired"),
                _l("For your security, forms expire when the session ends. Go back, reload the "
                   "page and send the form again."))


def _rollback() -> None:
    db.session.rollback()
    g.rolled_back = True
    write_kept()


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(code: int, title, message) -> Response:
    if _wants_json():  # the API's error form: a stable code word, as the API's own errors
        name = HTTP_STATUS_CODES.get(code, "error").lower().replace(" ", "_")
        response = jsonify(error={"code": name, "message": str(message)})
    else:
        response = make_response(render_template("errors/error.html", code=code, title=title,
                                                 message=message))
    response.status_code = code
    return response


def handle_http(exc: HTTPException):
    _rollback()
    code = exc.code or 500
    if code == 429:
        rerendered = _rerender_rate_limited_form()
        if rerendered is not None:
            return rerendered
    title, message = MESSAGES.get(code, (exc.name, exc.description))
    response = render_error(code, title, message)
    if code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def handle_csrf(exc: CSRFError):
    _rollback()
    return render_error(400, *CSRF_MESSAGE)


def handle_internal(exc: Exception):
    _rollback()
    log.exception("unhandled error on %s %s", request.method, request.path,
                  exc_info=getattr(exc, "original_exception", exc))
    return render_error(500, *MESSAGES[500])


def _rerender_rate_limited_form():
    """On the login and reset pages, show the form again with what was typed and the reason."""
    from forms.account import EmailForm, LoginForm

    forms = {"auth.login": ("auth/login.html", LoginForm),
             "auth.forgot_password": ("auth/forgot.html", EmailForm)}
    if request.endpoint not in forms or request.method != "POST":
        return None
    template, form_class = forms[request.endpoint]
    form = form_class()
    form.form_errors.append(MESSAGES[429][1])
    if "password" in form:
        form.password.data = ""
    return render_template(template, form=form, unconfirmed=False), 429


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    # Unhandled exceptions become InternalServerError unless PROPAGATE_EXCEPTIONS (tests) is on,
    # where they surface with their traceback.
    app.register_error_handler(InternalServerError, handle_internal)
