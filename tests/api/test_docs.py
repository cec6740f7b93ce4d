"""/api/v1/docs: Swagger UI on the OpenAPI document, every byte from the portal's own origin,
under the portal's Content-Security-Policy; without the npm assets, a plain translated note."""

from __future__ import annotations

import re

import pytest

from portal.config import REPO_ROOT

SWAGGER_UI = REPO_ROOT / "node_modules" / "swagger-ui-dist"
needs_assets = pytest.mark.skipif(
    not (SWAGGER_UI / "swagger-ui-bundle.js").is_file(),
    reason="node_modules/swagger-ui-dist is missing: `make install` runs `npm ci`")
URLS = re.compile(r'\b(?:src|href)="([^"]*)"')
JS = ("text/javascript", "application/javascript")


@needs_assets
def test_the_page_loads_swagger_ui_from_our_own_origin(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    urls = URLS.findall(html)
    assert all(url.startswith(("/", "#")) and not url.startswith("//") for url in urls), urls
    assert "http://" not in html and "https://" not in html
    bundle = next(u for u in urls if "/swagger-ui-bundle.js" in u)
    assert bundle.startswith("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert "/static/js/api-docs.js" in html
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    assert "<script>" not in html  # nothing inline: the CSP allows none
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp

    js = client.get(bundle)
    assert js.status_code == 200 and js.mimetype in JS
    assert "SwaggerUIBundle" in js.get_data(as_text=True)
    assert "max-age" in js.headers["Cache-Control"]
    css = client.get(next(u for u in urls if "/swagger-ui.css" in u))
    assert css.status_code == 200 and css.mimetype == "text/css"
    init = client.get("/static/js/api-docs.js")
    assert init.status_code == 200 and init.mimetype in JS
    assert "validatorUrl: null" in init.get_data(as_text=True)
    for response in (js, css, init):
        response.close()


def test_only_the_viewer_files_are_served(client):
    for name in ("package.json", "index.html", "..%2Fswagger-ui-dist%2Fpackage.json"):
        assert client.get(f"/api/v1/docs/assets/{name}").status_code == 404


@pytest.mark.parametrize("config_overrides", [{"SWAGGER_UI_DIR": "/nonexistent/swagger-ui"}])
def test_without_the_assets_the_page_says_so_in_the_readers_language(client, config_overrides):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "The documentation viewer is not installed on this server" in html
    assert "swagger-ui-bundle.js" not in html and 'id="swagger-ui"' not in html
    assert 'href="/api/v1/openapi.json"' in html
    r = client.get("/api/v1/docs", headers={"Accept-Language": "fr"})
    assert "Le visualiseur de la documentation n’est pas installé" in r.get_data(as_text=True)
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 404
