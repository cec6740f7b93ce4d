"""Home page, health check, security headers, error pages, configuration."""

from __future__ import annotations

import os
import stat

import pytest

from portal.config import from_environment, load_secret_key


def test_home_page_names_the_office_and_offers_registration(client):
    html = client.get("/").get_data(as_text=True)
    assert "Test Intellectual Property Office" in html
    assert 'href="/register"' in html and 'href="/login"' in html


def test_healthz_answers_when_the_database_does(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path, make_app):
    app = make_app("sqlite:///" + str(tmp_path / "missing-dir" / "nothing.db"))
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.get_json()["status"] == "unavailable"


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/nope"])
def test_security_headers_on_every_response(client, path):
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_or_style_in_pages(client):
    html = client.get("/register").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "onclick" not in html


@pytest.mark.parametrize("config_overrides", [{"PORTAL_HTTPS": True,
                                               "SESSION_COOKIE_SECURE": True}])
def test_cookies_are_secure_behind_https(client, config_overrides):
    r = client.get("/login", base_url="https://portal.example.org")
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age" in r.headers["Strict-Transport-Security"]


def test_cookies_are_not_marked_secure_over_plain_http(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" not in cookie


def test_not_found_page_is_translated(client):
    r = client.get("/nope", headers={"Accept-Language": "fr"})
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert 'lang="fr"' in html
    assert "Page not found" not in html


def test_oversized_post_gets_a_clear_page_not_a_crash(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    r = client.post("/register", data={"full_name": "x" * 20_000})
    assert r.status_code == 413
    assert "larger than the portal accepts" in r.get_data(as_text=True)


def test_unknown_exception_gives_the_translated_500_page(make_app, database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    r = app.test_client().get("/boom", headers={"Accept-Language": "es"})
    assert r.status_code == 500
    html = r.get_data(as_text=True)
    assert "kaboom" not in html and "Traceback" not in html
    assert 'lang="es"' in html


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_secret_key(tmp_path)
    assert len(first) >= 40
    assert load_secret_key(tmp_path) == first
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_configuration_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/portal")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("BACKOFFICE_URL", "http://ipas.example.org")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    cfg = from_environment()
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/portal"
    assert cfg["SECRET_KEY"] == "from-env"
    assert (cfg["MAIL_SERVER"], cfg["MAIL_PORT"]) == ("smtp.example.org", 2525)
    assert cfg["BACKOFFICE_URL"] == "http://ipas.example.org"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert not (tmp_path / "secret_key").exists()


def test_document_limits_and_office_rules_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_DOCUMENT_LIMITS_MB", "specification=20, mark_image=0.5")
    monkeypatch.setenv("UTILITY_MODEL_MAX_CLAIMS", "15")
    cfg = from_environment()
    assert cfg["DOCUMENT_SIZE_LIMITS"] == {"specification": 20 * 1024 * 1024,
                                           "mark_image": 512 * 1024}
    assert cfg["UTILITY_MODEL_MAX_CLAIMS"] == 15


def test_office_number_formats_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OFFICE_NUMBER_FORMATS",
                       '{"trademark": {"registration": "KH/\\\\d{5}/\\\\d{2}"}}')
    monkeypatch.setenv("RENEWAL_GRACE_MONTHS", "12")
    monkeypatch.setenv("API_RATE_LIMIT", "100 per minute")
    cfg = from_environment()
    assert cfg["API_RATE_LIMIT"] == "100 per minute"
    assert cfg["OFFICE_NUMBER_FORMATS"] == {"trademark": {"registration": r"KH/\d{5}/\d{2}"}}
    assert cfg["RENEWAL_GRACE_MONTHS"] == 12
    for bad in ('{"trademark": {"registration": "KH/(\\\\d"}}', "not json", '["x"]'):
        monkeypatch.setenv("OFFICE_NUMBER_FORMATS", bad)
        with pytest.raises(RuntimeError, match="OFFICE_NUMBER_FORMATS"):
            from_environment()


def test_embedded_defaults(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "MAIL_SERVER", "REDIS_URL", "PORTAL_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    cfg = from_environment()
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (tmp_path / "secret_key").exists()


def test_an_unknown_environment_name_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_ENV", "prod")
    with pytest.raises(RuntimeError):
        from_environment()


def test_environment_banner_outside_production(client, app):
    assert "filings made here are not real" in client.get("/").get_data(as_text=True)
    app.config["PORTAL_ENV"] = "production"
    assert "filings made here are not real" not in client.get("/").get_data(as_text=True)
