"""Language choice: the account's setting, else the `lang` cookie, else Accept-Language."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.config import LOCALES, RTL_LOCALES

LANG_COOKIE = "lang"

# Each language named in its own script: that is how a reader finds theirs.
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "km": "ខ្មែរ",
    "lo": "ລາວ",
    "vi": "Tiếng Việt",
    "ar": "العربية",
}


def is_supported(code: str | None) -> bool:
    return code in LOCALES


def select_locale() -> str:
    if not has_request_context():  # mail and jobs pass their locale with force_locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and is_supported(current_user.locale):
        return current_user.locale
    cookie = request.cookies.get(LANG_COOKIE)
    if is_supported(cookie):
        return cookie
    return request.accept_languages.best_match(LOCALES) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def select_timezone() -> str | None:
    from portal.office.models import current_office

    office = current_office()
    return office.timezone if office else None


def text_direction() -> str:
    return "rtl" if str(get_locale()) in RTL_LOCALES else "ltr"


def template_globals() -> dict:
    from portal.office.models import current_office

    def office_name() -> str:
        office = current_office()
        return office.name if office else str(_l("Online filing portal"))

    def office_address() -> str:
        office = current_office()
        return (office.address or "") if office else ""

    return {
        "LANGUAGE_NAMES": LANGUAGE_NAMES,
        "current_locale": lambda: str(get_locale()),
        "text_direction": text_direction,
        "environment_label": lambda env: environment_label(env),
        "office_name": office_name,
        "office_address": office_address,
    }


ENVIRONMENT_LABELS = {
    "development": _l("Development environment: filings made here are not real."),
    "acceptance": _l("Acceptance environment: filings made here are not real."),
    "pre-production": _l("Pre-production environment: filings made here are not real."),
}


def environment_label(env: str) -> str:
    return str(ENVIRONMENT_LABELS.get(env, env))
