"""/api/v1/docs: the OpenAPI document in Swagger UI, served from the portal's own origin.

Swagger UI comes from the npm registry (`swagger-ui-dist`, pinned in package.json; `make
install` runs `npm ci`) and is served here out of node_modules/, so the page needs no other host
and holds under the portal's Content-Security-Policy: no inline script, the initialiser is
static/js/api-docs.js. Without node_modules the page says so and links the JSON document.
`SWAGGER_UI_DIR` (config) points elsewhere, e.g. a packaged copy.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory

from portal.config import REPO_ROOT

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css")
ONE_YEAR = 365 * 24 * 3600  # the asset URLs carry the package's version


def swagger_ui_dir() -> Path:
    return Path(current_app.config.get("SWAGGER_UI_DIR")
                or REPO_ROOT / "node_modules" / "swagger-ui-dist")


def swagger_ui_version() -> str | None:
    """The installed version, or None when the assets are missing."""
    folder = swagger_ui_dir()
    if not all((folder / name).is_file() for name in ASSETS):
        return None
    try:
        return json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "0"


@bp.get("/docs")
def docs():
    return render_template("api/docs.html", version=swagger_ui_version())


@bp.get("/docs/assets/<name>")
def asset(name: str):
    if name not in ASSETS:
        abort(404)
    return send_from_directory(swagger_ui_dir(), name, max_age=ONE_YEAR)
