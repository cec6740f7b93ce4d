"""Configuration from the environment, with safe defaults for the embedded mode.

The names are an interface (see DESIGN.md): DATABASE_URL, PORTAL_DATA_DIR, SECRET_KEY,
BACKOFFICE_URL, BACKOFFICE_TOKEN, CONNECTOR_RETRY_BASE_SECONDS, MAIL_SERVER, MAIL_PORT,
STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE, REDIS_URL.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

LOCALES = ("en", "fr", "es", "km", "lo", "vi", "ar")
RTL_LOCALES = frozenset({"ar"})
ENVIRONMENTS = ("development", "acceptance", "pre-production", "production")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into the data dir."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must end up with the same key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _session_limits() -> dict:
    """SESSION_IDLE_MINUTES, SESSION_IDLE_MINUTES_OFFICE, SESSION_MAX_HOURS and
    SESSION_WARNING_MINUTES (portal.auth.sessions): positive numbers, fractions allowed."""
    out = {}
    for name, default in (("SESSION_IDLE_MINUTES", Defaults.SESSION_IDLE_MINUTES),
                          ("SESSION_IDLE_MINUTES_OFFICE", Defaults.SESSION_IDLE_MINUTES_OFFICE),
                          ("SESSION_MAX_HOURS", Defaults.SESSION_MAX_HOURS),
                          ("SESSION_WARNING_MINUTES", Defaults.SESSION_WARNING_MINUTES)):
        raw = os.environ.get(name, "").strip()
        try:
            value = float(raw) if raw else default
        except ValueError as exc:
            raise RuntimeError(f"{name} must be a number: {exc}") from exc
        if not (value > 0 and math.isfinite(value)):
            raise RuntimeError(f"{name} must be a number more than 0")
        out[name] = int(value) if value == int(value) else value
    return out


def _number_formats() -> dict:
    """OFFICE_NUMBER_FORMATS: JSON, per IP kind, merged over portal.rights.numbers' defaults."""
    raw = os.environ.get("OFFICE_NUMBER_FORMATS", "").strip()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
        for spec in data.values():
            for key, value in spec.items():
                if not key.endswith("_example"):
                    re.compile(value)
    except (ValueError, AttributeError, re.error) as exc:
        raise RuntimeError(f"OFFICE_NUMBER_FORMATS is not valid: {exc}") from exc
    return data


def _document_limits() -> dict[str, int]:
    """PORTAL_DOCUMENT_LIMITS_MB="specification=20,mark_image=5": MiB per document kind."""
    out = {}
    for item in os.environ.get("PORTAL_DOCUMENT_LIMITS_MB", "").split(","):
        kind, _, size = item.partition("=")
        if kind.strip() and size.strip():
            out[kind.strip()] = int(float(size) * 1024 * 1024)
    return out


def _local_language() -> str | None:
    """LOCAL_LANGUAGE: the office's local language ("km"); empty: the office's default
    language unless it is English (portal.local_script.local_language)."""
    from portal.local_script import parse_language

    try:
        return parse_language(os.environ.get("LOCAL_LANGUAGE"))
    except ValueError as exc:
        raise RuntimeError(f"LOCAL_LANGUAGE is not valid: {exc}") from exc


def _office_weekend() -> tuple[int, ...]:
    """OFFICE_WEEKEND="6,7": the ISO weekdays (1 Monday .. 7 Sunday) the office is closed."""
    raw = os.environ.get("OFFICE_WEEKEND", "6,7")
    try:
        days = tuple(sorted({int(d) for d in raw.split(",") if d.strip()}))
    except ValueError as exc:
        raise RuntimeError(f"OFFICE_WEEKEND is not valid: {exc}") from exc
    if any(not 1 <= d <= 7 for d in days) or len(days) == 7:
        raise RuntimeError("OFFICE_WEEKEND must name ISO weekdays from 1 to 7, not all seven")
    return days


def _office_holidays() -> tuple[date, ...]:
    """OFFICE_HOLIDAYS="2027-01-01,2027-01-07": the days the office is closed besides weekends."""
    try:
        return tuple(sorted({date.fromisoformat(d.strip()) for d in
                             os.environ.get("OFFICE_HOLIDAYS", "").split(",") if d.strip()}))
    except ValueError as exc:
        raise RuntimeError(f"OFFICE_HOLIDAYS is not valid: {exc}") from exc


def from_environment() -> dict:
    data_dir = Path(os.environ.get("PORTAL_DATA_DIR") or REPO_ROOT / "instance").resolve()
    https = _env_bool("PORTAL_HTTPS")
    environment = os.environ.get("PORTAL_ENV", "development")
    if environment not in ENVIRONMENTS:
        raise RuntimeError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}")
    return {
        "PORTAL_ENV": environment,
        "PORTAL_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{data_dir / 'portal.db'}",
        "SECRET_KEY": load_secret_key(data_dir),
        "PORTAL_HTTPS": https,
        "COMPRESS_RESPONSES": _env_bool("COMPRESS_RESPONSES", True),
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        "PROXY_FIX_HOPS": _env_int("PROXY_FIX_HOPS", 0),
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        # The portal's public address, for links made outside a request (mail, deliveries).
        "PORTAL_URL": os.environ.get("PORTAL_URL", "http://127.0.0.1:5000"),
        "BACKOFFICE_URL": os.environ.get("BACKOFFICE_URL", ""),
        "BACKOFFICE_TOKEN": os.environ.get("BACKOFFICE_TOKEN", ""),
        "CONNECTOR_RETRY_BASE_SECONDS": float(os.environ.get("CONNECTOR_RETRY_BASE_SECONDS", 30)),
        # Tries before a delivery is dead-lettered; the longest wait between two; one try's
        # time limit (connect and each read); how often the worker looks for due deliveries.
        "CONNECTOR_MAX_ATTEMPTS": _env_int("CONNECTOR_MAX_ATTEMPTS", 12),
        "CONNECTOR_RETRY_MAX_SECONDS": float(os.environ.get("CONNECTOR_RETRY_MAX_SECONDS",
                                                            6 * 3600)),
        "CONNECTOR_TIMEOUT_SECONDS": float(os.environ.get("CONNECTOR_TIMEOUT_SECONDS", 30)),
        "CONNECTOR_POLL_SECONDS": float(os.environ.get("CONNECTOR_POLL_SECONDS", 5)),
        "CONNECTOR_CONCURRENCY": _env_int("CONNECTOR_CONCURRENCY", 4),
        "CONNECTOR_LEASE_SECONDS": float(os.environ.get("CONNECTOR_LEASE_SECONDS") or 0) or None,
        # Who runs background jobs: "worker" (`flask worker`, the embedded default), "celery"
        # (REDIS_URL set) or "inline" (in the web process after the commit).
        "JOBS_MODE": os.environ.get("JOBS_MODE")
        or ("celery" if os.environ.get("REDIS_URL") else "worker"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "portal@localhost"),
        # Acceptance and pre-production send only to these ("a@b.org,@office.gov"): portal.mail.
        "MAIL_ALLOWLIST": tuple(entry.strip().lower() for entry in
                                os.environ.get("MAIL_ALLOWLIST", "").split(",") if entry.strip()),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        # A second factor (TOTP) is always required of office staff and administrators; this
        # requires it of agents too (portal.auth.second_factor).
        "SECOND_FACTOR_REQUIRED_FOR_AGENTS": _env_bool("SECOND_FACTOR_REQUIRED_FOR_AGENTS"),
        "DOCUMENT_SIZE_LIMITS": _document_limits(),
        # The virus scanner (portal.documents.scanner): clamd on a unix socket, or over TCP;
        # neither set = uploads are not scanned.
        "CLAMD_SOCKET": os.environ.get("CLAMD_SOCKET", ""),
        "CLAMD_HOST": os.environ.get("CLAMD_HOST", ""),
        "CLAMD_PORT": _env_int("CLAMD_PORT", 3310),
        "CLAMD_TIMEOUT_SECONDS": float(os.environ.get("CLAMD_TIMEOUT_SECONDS") or 30),
        "UTILITY_MODEL_MAX_CLAIMS": _env_int("UTILITY_MODEL_MAX_CLAIMS", 10),
        "DESIGN_MAX_DEFERMENT_MONTHS": _env_int("DESIGN_MAX_DEFERMENT_MONTHS", 30),
        # Post-filing requests: the office's number formats and the time limits of its law.
        "OFFICE_NUMBER_FORMATS": _number_formats(),
        "RENEWAL_WINDOW_MONTHS": _env_int("RENEWAL_WINDOW_MONTHS", 6),
        "RENEWAL_GRACE_MONTHS": _env_int("RENEWAL_GRACE_MONTHS", 6),
        "ANNUITY_FIRST_YEAR": _env_int("ANNUITY_FIRST_YEAR", 2),
        "ANNUITY_GRACE_MONTHS": _env_int("ANNUITY_GRACE_MONTHS", 6),
        "PATENT_TERM_YEARS": _env_int("PATENT_TERM_YEARS", 20),
        "UTILITY_MODEL_TERM_YEARS": _env_int("UTILITY_MODEL_TERM_YEARS", 10),
        "EXTENSION_MAX_MONTHS": _env_int("EXTENSION_MAX_MONTHS", 3),
        "RESTORATION_MONTHS_AFTER_CAUSE": _env_int("RESTORATION_MONTHS_AFTER_CAUSE", 2),
        "RESTORATION_MONTHS_AFTER_LIMIT": _env_int("RESTORATION_MONTHS_AFTER_LIMIT", 12),
        "DEADLINE_HORIZON_MONTHS": _env_int("DEADLINE_HORIZON_MONTHS", 6),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT") or "600 per minute",
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "BANK_ACCOUNT_HOLDER": os.environ.get("BANK_ACCOUNT_HOLDER",
                                              "Demo Intellectual Property Office"),
        "BANK_NAME": os.environ.get("BANK_NAME", "Demo National Bank"),
        "BANK_ACCOUNT_NUMBER": os.environ.get("BANK_ACCOUNT_NUMBER", "000-123-456-789"),
        "BANK_SWIFT": os.environ.get("BANK_SWIFT", "DEMOKHPP"),
        "BANK_TRANSFER_DAYS": _env_int("BANK_TRANSFER_DAYS", 10),
        "BANK_TRANSFER_GRACE_DAYS": _env_int("BANK_TRANSFER_GRACE_DAYS", 5),
        "BANK_TRANSFER_REMIND_DAYS": _env_int("BANK_TRANSFER_REMIND_DAYS", 2),
        "RECEIPT_SIGNING_PKCS12": os.environ.get("RECEIPT_SIGNING_PKCS12", ""),
        "RECEIPT_SIGNING_PASSWORD": os.environ.get("RECEIPT_SIGNING_PASSWORD", ""),
        # Names and addresses in the local language's script (portal.local_script), and the
        # notice asking for what an accepted filing lacks of it (portal.tracking.translation).
        "LOCAL_LANGUAGE": _local_language(),
        "LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS": _env_bool("LOCAL_SCRIPT_REQUIRED_FOR_NATIONALS"),
        "TRANSLATION_DEADLINE_WORKING_DAYS": _env_int("TRANSLATION_DEADLINE_WORKING_DAYS", 0),
        # The office's working days (portal.workdays).
        "OFFICE_WEEKEND": _office_weekend(),
        "OFFICE_HOLIDAYS": _office_holidays(),
        # How long a login lasts (portal.auth.sessions).
        **_session_limits(),
    }


class Defaults:
    """Values that do not come from the environment."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 256 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(REPO_ROOT / "translations")
    LANGUAGES = LOCALES
    # Token lifetimes (seconds).
    CONFIRM_TOKEN_MAX_AGE = 3 * 24 * 3600
    RESET_TOKEN_MAX_AGE = 3600
    # Rate limits (Flask-Limiter notation).
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    LOGIN_PER_ACCOUNT_LIMIT = "5 per minute;20 per hour"
    # How long the second step of a login waits for the code after the password (seconds).
    SECOND_FACTOR_LOGIN_SECONDS = 300
    SECOND_FACTOR_REQUIRED_FOR_AGENTS = False
    # Sessions (portal.auth.sessions): the idle timeout of filers and of office accounts
    # (minutes), the absolute lifetime of any login (hours), how long before the end the page
    # warns (minutes), and how often the last activity is written into the session cookie.
    SESSION_IDLE_MINUTES = 30
    SESSION_IDLE_MINUTES_OFFICE = 15
    SESSION_MAX_HOURS = 12
    SESSION_WARNING_MINUTES = 2
    SESSION_ACTIVITY_RESOLUTION_SECONDS = 60
    # Responses of these types and at least COMPRESS_MIN_SIZE bytes go compressed
    # (portal.compression); off with COMPRESS_RESPONSES=0 where a proxy in front compresses.
    COMPRESS_RESPONSES = True
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "image/svg+xml", "text/plain"]
    COMPRESS_MIN_SIZE = 500
    RESET_RATE_LIMIT = "5 per minute;20 per hour"
    MAIL_TIMEOUT = 10
    JOB_MAX_ATTEMPTS = 8
