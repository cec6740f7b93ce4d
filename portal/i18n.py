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


def office_locale() -> str:
    """The office's default language: the one its own texts are always written in."""
    from portal.office.models import current_office

    office = current_office()
    code = (office.default_locale or "") if office else ""
    for candidate in (code, code.replace("-", "_").split("_")[0]):
        if is_supported(candidate):
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def fallback_order(locale: str | None, office_default: str | None = None,
                   english: bool = True) -> list[str]:
    """The languages to try for an office-provided text, best first: the reader's, then the
    office's default language, then (unless `english` is False) English."""
    out: list[str] = []
    for code in (locale, (locale or "").split("_")[0], office_default,
                 "en" if english else None):
        if code and code not in out:
            out.append(code)
    return out


def pick_text(texts: dict | None, key: str, locale: str | None,
              office_default: str | None = None, english: bool = True) -> str | None:
    """`texts[locale][key]` in the first language of `fallback_order` that has it."""
    texts = texts or {}
    for code in fallback_order(locale, office_default, english):
        entry = texts.get(code)
        if isinstance(entry, dict) and (entry.get(key) or "").strip():
            return entry[key]
    return None


def clean_texts(texts: dict | None, keys: tuple[str, ...] = ("subject", "body"),
                ) -> dict[str, dict[str, str]] | None:
    """Texts per language as stored: shipped languages only, each key a stripped string,
    empty entries left out; None when nothing is left."""
    out: dict[str, dict[str, str]] = {}
    for code, entry in (texts or {}).items():
        if not is_supported(code) or not isinstance(entry, dict):
            continue
        kept = {k: str(entry[k]).strip() for k in keys if (str(entry.get(k) or "")).strip()}
        if kept:
            out[code] = kept
    return out or None


def current_locale_code() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def office_name(locale: str | None = None) -> str:
    """The office's name in `locale` (default: the reader's), else in the office's default
    language, else the plain name."""
    from portal.office.models import current_office

    office = current_office()
    if office is None:
        return str(_l("Online filing portal"))
    return (pick_text(office.texts, "name", locale or current_locale_code(),
                      office_locale(), english=False) or office.name)


def office_address(locale: str | None = None) -> str:
    """The office's address, chosen like `office_name`."""
    from portal.office.models import current_office

    office = current_office()
    if office is None:
        return ""
    return (pick_text(office.texts, "address", locale or current_locale_code(),
                      office_locale(), english=False) or office.address or "")


def notification_text(notification, locale: str | None = None) -> tuple[str, str]:
    """A notification's (subject, body) in `locale` (default: the reader's, or the mail's
    inside force_locale), else in the office's default language."""
    return notification.text_for(locale or current_locale_code(), office_locale())


def select_timezone() -> str | None:
    from portal.office.models import current_office

    office = current_office()
    return office.timezone if office else None


def text_direction() -> str:
    return "rtl" if str(get_locale()) in RTL_LOCALES else "ltr"


def template_globals() -> dict:
    return {
        "LANGUAGE_NAMES": LANGUAGE_NAMES,
        "current_locale": lambda: str(get_locale()),
        "text_direction": text_direction,
        "environment_label": lambda env: environment_label(env),
        "office_name": office_name,
        "office_address": office_address,
        "notification_text": notification_text,
    }


ENVIRONMENT_LABELS = {
    "development": _l("Development environment: filings made here are not real."),
    "acceptance": _l("Acceptance environment: filings made here are not real."),
    "pre-production": _l("Pre-production environment: filings made here are not real."),
}


def environment_label(env: str) -> str:
    return str(ENVIRONMENT_LABELS.get(env, env))
