"""The filing portal: `create_app()` builds the Flask application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.config import REPO_ROOT, Defaults, from_environment
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    app.config.from_object(Defaults)
    app.config.update(from_environment() if not (config and config.get("TESTING")) else {})
    if config:
        app.config.update(config)
    app.instance_path = app.config["PORTAL_DATA_DIR"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from portal import i18n, models  # noqa: F401  (models: the metadata must be complete)
    from portal.dbtypes import include_object
    from portal.txn import register_session_hooks

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True, compare_type=True, include_object=include_object)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   timezone_selector=i18n.select_timezone)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    limiter.init_app(app)
    if app.config.get("JOBS_MODE") == "celery":
        from portal.jobs.celery_app import init_celery

        init_celery(app)
    https = app.config["PORTAL_HTTPS"]
    talisman.init_app(
        app,
        force_https=False,  # the proxy in front redirects; we only mark cookies and send HSTS
        strict_transport_security=https,
        session_cookie_secure=https,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"browsing-topics": "()", "camera": "()", "microphone": "()",
                            "geolocation": "()"},
    )
    from portal.compression import init_compression

    init_compression(app)
    register_session_hooks()
    app.jinja_env.globals.update(i18n.template_globals())
    from portal import filters

    filters.register(app)


@login_manager.unauthorized_handler
def unauthorized():
    """Pages go to the login page; background calls (autosave, fees) get 401 JSON."""
    from flask import flash, jsonify, redirect
    from flask_login import login_url

    if request.headers.get("X-Requested-With") or request.accept_mimetypes.best == (
            "application/json"):
        return jsonify(error={"code": 401, "message": str(login_manager.login_message)}), 401
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.full_path
                              if request.query_string else request.path))


@login_manager.user_loader
def load_user(login_id: str):
    # The user of a live login (portal.auth.sessions): a logout, a new password, a disabled
    # account or "log out everywhere" ends it.
    from portal.auth.sessions import load_user as load_login

    return load_login(login_id)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        # A transaction that will write may ask to take the write lock at once (see
        # portal.txn.begin_write): a deferred one that reads first cannot upgrade once another
        # process has written, and fails instead of waiting.
        immediate = conn.get_execution_options().get("sqlite_begin_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def register_blueprints(app: Flask) -> None:
    from portal.auth.blueprint import bp as auth_bp
    from portal.clients.blueprint import bp as clients_bp
    from portal.core.blueprint import bp as core_bp
    from portal.dashboard.blueprint import bp as dashboard_bp
    from portal.filings.blueprint import bp as filings_bp
    from portal.filings.blueprint import requests_bp
    from portal.office.blueprint import bp as office_bp
    from portal.orders.blueprint import bp as orders_bp
    from portal.tracking.blueprint import bp as notifications_bp
    from portal.tracking.blueprint import calendar_bp

    for bp in (core_bp, auth_bp, dashboard_bp, filings_bp, requests_bp, clients_bp, orders_bp,
               office_bp, notifications_bp, calendar_bp):
        app.register_blueprint(bp)
    from portal.api.setup import init_api

    init_api(app)


def register_errorhandlers(app: Flask) -> None:
    from portal.errors import register

    register(app)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def writing_requests_take_the_write_lock():
        # On SQLite, a transaction that reads and then writes fails at once ("database is
        # locked") if another process (a web worker, the background worker) wrote in between.
        # Requests that change things therefore take the write lock when they begin, waiting
        # for the other writers; reading pages stay concurrent. PostgreSQL needs none of this.
        if request.method not in ("GET", "HEAD", "OPTIONS") and \
                db.engine.dialect.name == "sqlite":
            from portal.txn import begin_write

            begin_write()

    @app.after_request
    def commit_session(response):
        # One commit per request, after the view has done all its work. Error handlers roll
        # back first, so a failed request commits nothing of what it started.
        if not g.get("rolled_back"):
            db.session.commit()
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    @app.after_request
    def no_store_for_private_pages(response):
        if request.endpoint and request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def register_commands(app: Flask) -> None:
    from portal.backup.commands import register as register_backup
    from portal.cli import register

    register(app)
    register_backup(app)
