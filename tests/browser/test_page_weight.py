"""Page weight: every main page, with its CSS, JavaScript, fonts and images, at most 150 KB
transferred from a cold cache, and not one request to another host.

Chromium loads each page in a fresh context (an empty cache) and the DevTools protocol's
Network domain counts what came over the wire for every request (`encodedDataLength`: headers
and body as sent, with whatever compression the portal really used). The pages are those of a
filer's real world: drafts of every kind with parties, classes and priority claims, a cart, an
order, notifications, requests, an agent with 60 filings and a client book, and the office's
console; in English, Khmer and Arabic, whose longer texts and localized country and Nice lists
weigh most. A page over the limit fails with its resources listed, heaviest first.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser as Chromium

from portal import create_app
from portal.auth.models import Role
from tests.browser.conftest import log_in
from tests.conftest import (
    PASSWORD,
    Browser,
    IsolatedClient,
    base_config,
    fresh_database_url,
    make_user,
    migrate_to_head,
)
from tests.serving import LiveServer

pytestmark = pytest.mark.browser

LIMIT = 150 * 1024
LANGUAGES = ("en", "km", "ar")

# Every URL a page names for the browser to fetch or post to: elements, and the url()s of
# style sheets (@import, @font-face, backgrounds), followed into imported sheets.
REFERENCED_URLS = """() => {
  const urls = [];
  const add = (value, base) => {
    if (value) { try { urls.push(new URL(value, base || document.baseURI).href); } catch (e) {} }
  };
  document.querySelectorAll("link[href]").forEach(el => add(el.getAttribute("href")));
  document.querySelectorAll(
    "script[src], img[src], iframe[src], frame[src], source[src], video[src], audio[src], "
    + "embed[src], track[src], input[type=image][src]").forEach(el => add(el.getAttribute("src")));
  document.querySelectorAll("img[srcset], source[srcset]").forEach(el => {
    el.getAttribute("srcset").split(",").forEach(part => add(part.trim().split(/\\s+/)[0]));
  });
  document.querySelectorAll("object[data]").forEach(el => add(el.getAttribute("data")));
  document.querySelectorAll("form[action]").forEach(el => add(el.getAttribute("action")));
  document.querySelectorAll("video[poster]").forEach(el => add(el.getAttribute("poster")));
  const inCss = (text, base) => {
    for (const m of text.matchAll(/url\\(\\s*["']?([^"')\\s]+)/g)) add(m[1], base);
    for (const m of text.matchAll(/@import\\s+["']([^"']+)["']/g)) add(m[1], base);
  };
  document.querySelectorAll("[style]").forEach(el => inCss(el.getAttribute("style")));
  const walk = (sheet) => {
    let rules;
    try { rules = sheet.cssRules; } catch (e) { add(sheet.href); return; }
    for (const rule of rules) {
      inCss(rule.cssText, sheet.href);
      if (rule instanceof CSSImportRule && rule.styleSheet) walk(rule.styleSheet);
    }
  };
  for (const sheet of document.styleSheets) { add(sheet.href); walk(sheet); }
  return urls;
}"""


@dataclass
class Resource:
    url: str
    type: str = ""
    encoding: str = ""
    bytes: int = 0
    failed: str = ""


@dataclass
class Weighing:
    """What one page load fetched, and what it names."""

    url: str
    status: int = 0
    lang: str = ""
    resources: dict[str, Resource] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)
    referenced: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.bytes for r in self.resources.values())

    def foreign(self, origin: str) -> list[str]:
        return sorted({u for u in self.requested + self.referenced if is_foreign(u, origin)})

    def breakdown(self) -> str:
        rows = sorted(self.resources.values(), key=lambda r: -r.bytes)
        lines = [f"  {r.bytes:>8} B  {r.type or '?':<10} {r.encoding or 'identity':<8} {r.url}"
                 f"{'  FAILED ' + r.failed if r.failed else ''}" for r in rows]
        return "\n".join([f"{self.url} [{self.lang}]: {self.total} B "
                          f"({self.total / 1024:.1f} KB)", *lines])


def is_foreign(url: str, origin: str) -> bool:
    """Whether fetching `url` would go to a host other than the portal's."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "javascript", "mailto", "tel", ""):
        return False
    return f"{parts.scheme}://{parts.netloc}" != origin


def weigh(browser: Chromium, origin: str, path: str, lang: str,
          storage_state: dict | None = None) -> Weighing:
    """Load `path` in a fresh context (a cold cache) and count every byte received."""
    context = browser.new_context(storage_state=storage_state)
    try:
        context.add_cookies([{"name": "lang", "value": lang, "url": origin}])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        weighing = Weighing(origin + path)
        resources = weighing.resources

        def sent(event):
            request_id, url = event["requestId"], event["request"]["url"]
            weighing.requested.append(url)
            redirect = event.get("redirectResponse")
            if redirect:  # the same id goes on to the next hop: keep the hop apart
                hop = resources.pop(request_id, Resource(redirect["url"]))
                hop.bytes += int(redirect.get("encodedDataLength") or 0)
                resources[f"{request_id}:{len(resources)}"] = hop
            resources[request_id] = Resource(url)

        def received(event):
            resource = resources.setdefault(event["requestId"], Resource(event["response"]["url"]))
            resource.type = event.get("type", "")
            headers = {k.lower(): v for k, v in event["response"].get("headers", {}).items()}
            resource.encoding = headers.get("content-encoding", "")

        def finished(event):
            resource = resources.setdefault(event["requestId"], Resource("?"))
            resource.bytes = int(event["encodedDataLength"])

        def failed(event):
            resource = resources.setdefault(event["requestId"], Resource("?"))
            resource.failed = event.get("errorText", "failed")

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.responseReceived", received)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.loadingFailed", failed)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.on("request", lambda request: weighing.requested.append(request.url))
        response = page.goto(origin + path, wait_until="load")
        settle(page, resources)
        weighing.status = response.status if response else 0
        weighing.lang = page.evaluate("document.documentElement.lang")
        weighing.referenced = page.evaluate(REFERENCED_URLS)
        cdp.detach()
        return weighing
    finally:
        context.close()


def settle(page, resources: dict[str, Resource], quiet_ms: int = 150) -> None:
    """Wait until every request the page made has finished or failed and none started for
    `quiet_ms` (quicker than Playwright's "networkidle", which waits 500 ms)."""
    deadline, seen, calm = time.monotonic() + 10, -1, 0
    while time.monotonic() < deadline:
        pending = [r for r in resources.values() if not r.bytes and not r.failed]
        calm = calm + 1 if not pending and len(resources) == seen else 0
        if calm * 50 >= quiet_ms:
            return
        seen = len(resources)
        page.wait_for_timeout(50)
    raise AssertionError(f"still loading: {[r.url for r in resources.values() if not r.bytes]}")


# --- the world ------------------------------------------------------------------------------

@dataclass
class Portal:
    url: str
    pages: dict[str, list[str]]  # account (email, or "" when anonymous) -> paths


def _build_world(app) -> dict[str, list[str]]:
    from portal.extensions import db
    from portal.filings import services as filings
    from portal.filings.models import Filing, FilingStatus, IPKind
    from portal.seed import seed_statuses
    from portal.timeutil import utcnow
    from portal.tracking.services import record_office_event
    from tests.filings.conftest import APPLICANT, COMPLETE, complete_draft, save, start
    from tests.orders.conftest import checkout, fill_cart, order_id_of
    from tests.requests.conftest import party, start_request
    from tests.tracking.conftest import accepted

    seed_statuses()
    make_user("applicant@example.org", Role.APPLICANT, full_name="Sokha Chan")
    make_user("admin@example.org", Role.ADMIN, full_name="Bopha Lim")
    db.session.commit()
    applicant = Browser(app.test_client())
    assert applicant.login("applicant@example.org").status_code == 302

    # Drafts of every kind, with two applicants each (six country lists), classes, inventors,
    # designers and a priority claim.
    second = {k.replace("applicants-0-", "applicants-1-"): v for k, v in APPLICANT.items()
              if k.startswith("applicants-0-")}
    second |= {"applicants-1-name": "Mekong Trading Co., Ltd.", "applicants-1-kind": "entity",
               "applicants-1-legal_form": "limited company",
               "applicants-1-state_of_incorporation": "TH"}
    extra = {
        "trademark": {"goods-1-class_number": "43", "goods-1-terms": "cafe services",
                      "goods-2-class_number": "35", "goods-2-terms": "retail of coffee",
                      "priorities-0-office": "TH", "priorities-0-filed_on": "2026-01-10",
                      "priorities-0-number": "TH-2026-1"},
        "patent": {"inventors-1-name": "Lina Sok", "inventors-1-address": "3 Lane, Battambang",
                   "inventors-1-country": "KH", "inventors-1-nationality": "KH",
                   "priorities-0-office": "EP", "priorities-0-filed_on": "2026-01-10",
                   "priorities-0-number": "EP26000001"},
        "design": {"designers-1-name": "Dara Pich", "designers-1-address": "2 Road, Siem Reap",
                   "designers-1-country": "KH"},
        "utility_model": {"inventors-1-name": "Lina Sok",
                          "inventors-1-address": "3 Lane, Battambang",
                          "inventors-1-country": "VN"},
    }
    drafts = {}
    for kind, data in COMPLETE.items():
        drafts[kind] = start(applicant, kind)
        r = save(applicant, drafts[kind], {**data, **APPLICANT, **second, **extra[kind]})
        assert r.status_code == 302, r.get_data(as_text=True)[:2000]

    numbered = accepted(applicant)
    numbered.accepted_seq = 1  # as paid: the office may write to its filer
    notification = record_office_event(
        numbered, event_id="ev-page-weight", type="notification",
        subject="Examination report", body="Please answer the report.").notification.id
    db.session.commit()
    fill_cart(applicant, kinds=("trademark",))
    order = order_id_of(checkout(applicant, "bank_transfer"))
    fill_cart(applicant, kinds=("trademark", "trademark"))  # the cart, not empty
    requests = [start_request(applicant, "change_name_address", "trademark", "TM/2026/000123"),
                start_request(applicant, "assignment", "trademark", "TM-012345")]
    r = save(applicant, requests[1], {"holder-name": "Sokha Chan",
                                      "holder-address": "1 Street, Phnom Penh",
                                      "holder-country": "KH", **party("new_owner")})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]

    # An agent with a client book of 12 and 60 filings, a fifth of them with the office.
    agent = Browser(app.test_client())
    assert agent.login("agent@example.org").status_code == 302
    clients = []
    for n in range(12):
        r = agent.submit("/clients/new", {
            "kind": "entity", "name": f"Client {n} Trading Co., Ltd.",
            "legal_form": "limited company", "state_of_incorporation": "KH",
            "address": f"{n} Riverside, Phnom Penh", "country": "KH"})
        assert r.status_code == 302, r.get_data(as_text=True)[:1000]
        clients.append(int(re.search(r"/clients/(\d+)", r.headers["Location"]).group(1)))
    agent_draft = complete_draft(agent, "trademark")
    from portal.auth.models import User

    agent_user = db.session.scalar(db.select(User).where(User.email == "agent@example.org"))
    kinds = list(IPKind)
    for n in range(59):
        filing = filings.create_draft(agent_user, kinds[n % len(kinds)], values={
            "reference": f"AG-{n:03d}", "title": f"Invention number {n}",
            "mark_text": f"MARK {n}"})
        if n % 5 == 0:
            filing.status, filing.accepted_at = FilingStatus.ACCEPTED, utcnow()
            filing.portal_number = f"EF-XX-2026-{filing.id:06d}"
            filing.office_number = f"XX/2026/{filing.id:06d}"
            filing.refresh_search_text()
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Filing.id)).where(
        Filing.owner_id == agent_user.id)) == 60

    return {
        "": ["/", "/login", "/register"],
        "applicant@example.org": [
            "/dashboard", "/filings/new", *(f"/filings/{i}/edit" for i in drafts.values()),
            f"/filings/{drafts['trademark']}/edit?check=1", f"/filings/{numbered.id}",
            "/cart", "/orders", f"/orders/{order}", "/notifications/",
            f"/notifications/{notification}", "/account", "/requests/",
            "/requests/new/change_name_address", *(f"/filings/{i}/edit" for i in requests)],
        "agent@example.org": ["/dashboard", "/clients/", f"/clients/{clients[0]}",
                              "/clients/new", f"/filings/{agent_draft}/edit"],
        "admin@example.org": ["/office/", "/office/orders", f"/office/orders/{order}",
                              "/office/payments", "/office/users", "/office/notifications",
                              f"/office/notifications/new?filing={numbered.id}",
                              "/office/tariff", "/office/audit", "/office/deliveries"],
    }


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """One portal for the module: a fresh migrated database holding the world, served."""
    tmp = tmp_path_factory.mktemp("weight")
    url, drop = fresh_database_url(tmp, "weight")
    migrate_to_head(url, tmp)
    app = create_app({**base_config(tmp / "data", url), "PROPAGATE_EXCEPTIONS": False,
                      "RATELIMIT_ENABLED": False})
    app.test_client_class = IsolatedClient
    with app.app_context():
        from payments.fees import load_tariff
        from portal.extensions import db
        from portal.seed import TARIFF_FILE, seed_office

        seed_office()
        load_tariff(TARIFF_FILE)
        make_user("agent@example.org", Role.AGENT, full_name="Vanna Keo",
                  organisation="Mekong IP", agent_number="KH-AG-1")
        db.session.commit()
        pages = _build_world(app)
    try:
        with LiveServer(app) as server:
            yield Portal(server.url, pages)
    finally:
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()
        drop()


@pytest.fixture(scope="module")
def sessions(browser, portal):
    """Each account's cookies after logging in once (each page then starts a cold context)."""
    states = {"": None}
    for email in portal.pages:
        if email:
            context = browser.new_context()
            page = context.new_page()
            log_in(page, portal.url, email, PASSWORD)
            assert urlsplit(page.url).path != "/login", email
            states[email] = context.storage_state()
            context.close()
    return states


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_main_page_is_light_and_served_from_the_portal_alone(browser, portal, sessions,
                                                                   lang, capsys):
    heavy, foreign, broken, rows = [], [], [], []
    for email, paths in portal.pages.items():
        for path in paths:
            started = time.monotonic()
            weighing = weigh(browser, portal.url, path, lang, sessions[email])
            rows.append(f"{weighing.total / 1024:8.1f} KB  {email or 'anonymous':<24} {path}"
                        f"  {time.monotonic() - started:.1f}s")
            if weighing.status != 200 or weighing.lang != lang:
                broken.append(f"{path}: HTTP {weighing.status}, lang={weighing.lang!r}")
            if weighing.total > LIMIT:
                heavy.append(weighing.breakdown())
            if weighing.foreign(portal.url):
                foreign.append(f"{path}: {weighing.foreign(portal.url)}")
    with capsys.disabled():
        print(f"\npage weight [{lang}]\n" + "\n".join(rows))
    assert not broken, broken
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)
    assert not heavy, f"pages over {LIMIT} bytes:\n" + "\n\n".join(heavy)


# --- the measure itself ----------------------------------------------------------------------

def _hostile_app() -> Flask:
    """A page that names resources on another host, and a page too heavy."""
    app = Flask(__name__)

    @app.get("/foreign")
    def foreign():
        return ("<!doctype html><html lang=en><head>"
                "<style>@import url('http://fonts.invalid/a.css');"
                "@font-face{font-family:X;src:url(http://cdn.invalid/x.woff2)}</style>"
                "<link rel=preconnect href='http://cdn.invalid'></head>"
                "<body><img src='/pixel.gif' alt=''><p style='font-family:X'>x</p></body></html>")

    @app.get("/pixel.gif")
    def pixel():
        return b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", {"Content-Type": "image/gif"}

    @app.get("/heavy")
    def heavy():
        filler = "".join(f"<option value={n}>Option number {n} of many</option>"
                         for n in range(6000))
        return f"<!doctype html><html lang=en><body><select>{filler}</select></body></html>"

    return app


def test_the_measure_counts_every_byte_and_sees_other_hosts(browser):
    with LiveServer(_hostile_app()) as server:
        light = weigh(browser, server.url, "/foreign", "en")
        heavy = weigh(browser, server.url, "/heavy", "en")
    assert light.foreign(server.url) == ["http://cdn.invalid/", "http://cdn.invalid/x.woff2",
                                         "http://fonts.invalid/a.css"]
    pixel = next(r for r in light.resources.values() if r.url.endswith("/pixel.gif"))
    assert pixel.bytes > 14  # the body and the headers
    html = next(r for r in heavy.resources.values() if r.url.endswith("/heavy"))
    assert html.bytes > 6000 * 40 and heavy.total > LIMIT  # no compression: the raw size
    assert "/heavy" in heavy.breakdown() and f"{html.bytes} B" in heavy.breakdown()


def test_weighing_reports_a_redirect_hop_apart(browser, portal):
    """Asked for a page behind the login, the redirect and the login page are both counted."""
    weighing = weigh(browser, portal.url, "/dashboard", "en")
    urls = [r.url for r in weighing.resources.values()]
    assert any(u.endswith("/dashboard") for u in urls) and any("/login" in u for u in urls)
    assert all(r.bytes > 0 for r in weighing.resources.values() if not r.failed)

