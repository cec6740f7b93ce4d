"""Accessibility of the main pages, in English and in Arabic (right to left), with real data on
them, in Debian's Chromium:

- axe-core (node_modules/axe-core, pinned in package.json) with the WCAG 2.0, 2.1 and 2.2 A and
  AA rules: no serious or critical violation;
- WCAG 2.2 target size (minimum), 2.5.8: every visible link, button and form control is at
  least 24 by 24 CSS pixels, or a 24 px circle centred on it touches no other target nor the
  circle of another small target (the spacing exception), or it sits in a sentence (the inline
  exception: its size is set by the line height of the text around it);
- focus visible, 2.4.7, and focus not obscured (minimum), 2.4.11: tabbing through the page, every
  element that takes the focus shows an outline or a box shadow, and is not entirely hidden by
  other content of the page.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
LANGUAGES = ("en", "ar")
MAX_TABS = 400  # a bound on the walk through a page


@pytest.fixture
def browser_context_args(browser_context_args):
    # The portal's Content-Security-Policy forbids inline script, which is how Playwright
    # injects axe-core: the test's own script only, the pages' policy stays as it is.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(autouse=True)
def patient(page: Page):
    page.set_default_timeout(90_000)  # the machine may be busy; a page that never comes fails


# --- the data on the pages --------------------------------------------------------------------

TRADEMARK_CLASSES = {"goods-1-class_number": "43", "goods-1-terms": "cafe services; catering"}


def populate(app) -> dict:
    """The applicant's and the agent's filings (accepted ones with orders, statuses and
    notifications; a draft of every kind, the trademark with two classes, in the cart), a
    personal token, a client of the agent's firm, and an administrator."""
    from payments.cart import add_to_cart
    from payments.fees import office_today
    from payments.models import Order
    from portal.api.models import PERSONAL_SCOPES, create_client
    from portal.auth.models import Role, User
    from portal.clients.services import save_client
    from portal.demo_filings import seed_filings
    from portal.extensions import db
    from portal.filings.models import Filing, FilingStatus, IPKind
    from portal.filings.services import create_draft, save_draft
    from portal.seed import seed_statuses
    from portal.tracking.models import Notification
    from portal.tracking.services import record_office_event
    from tests.conftest import make_user
    from tests.filings.conftest import APPLICANT, COMPLETE

    ids: dict = {}
    with app.test_request_context("/"):
        seed_statuses()
        applicant = make_user("applicant@example.org", full_name="Sokha Chan")
        make_user("admin@example.org", Role.ADMIN, full_name="Bopha Lim")
        agent = db.session.scalar(db.select(User).where(User.email == "agent@example.org"))
        for n, user in enumerate((applicant, agent)):
            seed_filings(user, 6, seed=7 + n, delivered=0.9)
            drafts = {}
            for kind in ("trademark", "patent", "design", "utility_model"):
                filing = create_draft(user, IPKind(kind))
                extra = TRADEMARK_CLASSES if kind == "trademark" else {}
                save_draft(filing, [[k, v] for k, v in
                                    {**COMPLETE[kind], **APPLICANT, **extra}.items()])
                drafts[kind] = filing.id
            add_to_cart(user, db.session.get(Filing, drafts["trademark"]))
            accepted = db.session.scalar(db.select(Filing).where(
                Filing.owner_id == user.id, Filing.status != FilingStatus.DRAFT)
                .order_by(Filing.id))
            record_office_event(accepted, event_id=f"A11Y-{n}", type="notification",
                                subject="Objection: the mark lacks distinctiveness",
                                body="Please submit arguments or evidence of use.",
                                response_due=office_today() + timedelta(days=60))
            create_client("Laptop", list(PERSONAL_SCOPES), user=user)
            db.session.flush()
            ids[user.email] = {
                "drafts": drafts, "filing": accepted.id,
                "order": db.session.scalar(db.select(Order.id).where(Order.user_id == user.id)
                                           .order_by(Order.id)),
                "notification": db.session.scalar(
                    db.select(Notification.id).where(Notification.filing_id == accepted.id)),
            }
        client = save_client(agent, {"kind": "entity", "name": "Lotus Foods Plc",
                                     "legal_form": "Public company", "address": "4 Quay",
                                     "country": "KH", "state_of_incorporation": "KH"})
        db.session.commit()
        ids["client"] = client.id
    return ids


def filer_pages(ids: dict) -> list[str]:
    drafts = ids["drafts"]
    return [
        "/dashboard", "/filings/new", "/filings/drafts",
        *(f"/filings/{drafts[kind]}/edit" for kind in drafts),
        f"/filings/{drafts['trademark']}/edit?check=1",
        f"/filings/{ids['filing']}", "/requests/", "/cart", "/orders",
        f"/orders/{ids['order']}", "/notifications/", f"/notifications/{ids['notification']}",
        "/account", "/account/sessions", "/account/second-factor", "/account/tokens",
        "/account/password",
    ]


ANONYMOUS_PAGES = ["/", "/login", "/register", "/password/forgot", "/confirm"]
OFFICE_PAGES = ["/office/", "/office/orders", "/office/payments", "/office/refunds",
                "/office/deliveries", "/office/notifications",
                "/office/notification-templates", "/office/users", "/office/tariff",
                "/office/deposits", "/office/api-clients", "/office/audit", "/office/mail",
                "/office/office-texts", "/office/orders/mismatches"]


# --- the checks ----------------------------------------------------------------------------------

def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG A/AA violations: rule, targets, help."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})""", WCAG_TAGS)
    found = []
    for rule in result["violations"]:
        if rule["impact"] not in ("serious", "critical"):
            continue
        targets = " | ".join(" ".join(node["target"]) for node in rule["nodes"][:6])
        found.append(f"{rule['id']} ({rule['impact']}): {rule['help']} [{targets}] "
                     f"{rule['helpUrl']}")
    return found


# WCAG 2.5.8, measured on the page: the targets, the small ones, the inline and the spacing
# exceptions (https://www.w3.org/WAI/WCAG22/Understanding/target-size-minimum.html).
TARGET_SIZE_JS = """() => {
  const SELECTOR = 'a[href], button, input:not([type=hidden]), select, textarea, summary, ' +
                   '[tabindex]:not([tabindex="-1"])';
  const visible = el => {
    // Not rendered: hidden, or in a closed <details> (laid out, content-visibility hidden).
    if (!el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})) {
      return false;
    }
    if (el.closest('[inert]')) return false;
    if (el.closest('.visually-hidden')) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const describe = el => {
    const id = el.id ? '#' + el.id : '';
    const name = (el.getAttribute('aria-label') || el.textContent || el.value || el.name || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${id} "${name}"`;
  };
  // In a sentence: an inline target whose block holds text that is not part of a target.
  const inline = el => {
    if (!getComputedStyle(el).display.startsWith('inline') ||
        ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) {
      block = block.parentElement;
    }
    if (!block) return false;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const parent = node.parentElement;
      if (parent.closest(SELECTOR)) continue;
      if (parent.closest('.visually-hidden')) continue;
      return true;
    }
    return false;
  };
  const targets = [...document.querySelectorAll(SELECTOR)].filter(visible).map(el => {
    const r = el.getBoundingClientRect();
    return {el, r, cx: r.left + r.width / 2, cy: r.top + r.height / 2,
            small: r.width < 23.5 || r.height < 23.5};
  });
  const related = (a, b) => a.el.contains(b.el) || b.el.contains(a.el) ||
    (a.el.labels && [...a.el.labels].some(l => l.contains(b.el)));
  const toRect = (t, r) => Math.hypot(Math.max(r.left - t.cx, 0, t.cx - r.right),
                                      Math.max(r.top - t.cy, 0, t.cy - r.bottom));
  const problems = [];
  for (const t of targets) {
    if (!t.small || inline(t.el)) continue;
    const near = targets.find(o => o !== t && !related(t, o) &&
      (o.small ? Math.hypot(o.cx - t.cx, o.cy - t.cy) < 24 : toRect(t, o.r) < 12));
    if (near) {
      problems.push(`${describe(t.el)} is ${Math.round(t.r.width)}x${Math.round(t.r.height)}` +
                    ` px and within 24 px of ${describe(near.el)}`);
    }
  }
  return problems;
}"""

# Every element that takes the focus, as it takes it (a focusin listener): its outline or box
# shadow then; and, checked by window.a11yCheckLast() after the Tab (the browser has scrolled
# it into view), whether any of it can be seen. Returns how many Tab stops the page may have.
FOCUS_WATCH_JS = """() => {
  const stops = window.a11yStops = [];
  const known = new Set();
  let last = null;
  const describe = el => {
    const id = el.id ? '#' + el.id : '';
    const name = (el.getAttribute('aria-label') || el.textContent || el.value || el.name || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${id} "${name}"`;
  };
  const check = ([el, stop]) => {
    const r = el.getBoundingClientRect();
    const points = [[0.5, 0.5], [0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9]];
    stop.seen = r.width > 0 && r.height > 0 && points.some(([x, y]) => {
      const hit = document.elementFromPoint(r.left + r.width * x, r.top + r.height * y);
      return hit && (hit === el || el.contains(hit) || hit.contains(el) ||
                     (el.labels && [...el.labels].some(l => l.contains(hit))));
    });
  };
  window.a11yCheckLast = () => {
    if (last) check(last);
    last = null;
    return window.a11yRound;
  };
  window.a11yRound = false;
  document.addEventListener('focusin', event => {
    const el = event.target;
    if (known.has(el)) { window.a11yRound = true; return; }  // round the page once
    known.add(el);
    const style = getComputedStyle(el);
    const stop = {label: describe(el),
                  indicated: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                             || (style.boxShadow && style.boxShadow !== 'none')};
    stops.push(stop);
    last = [el, stop];
  }, true);
  return [...document.querySelectorAll('a[href], button, input, select, textarea, summary, ' +
                                       '[tabindex]')].filter(el => el.tabIndex >= 0).length;
}"""


def focus_problems(page: Page) -> list[str]:
    """Tab through the page from its start: every stop must show its focus and be seen."""
    page.evaluate("document.activeElement && document.activeElement.blur(); scrollTo(0, 0)")
    candidates = page.evaluate(FOCUS_WATCH_JS)
    for _ in range(min(candidates + 2, MAX_TABS)):  # radios of a group are one stop
        page.keyboard.press("Tab")
        if page.evaluate("window.a11yCheckLast()"):
            break
    stops = page.evaluate("window.a11yStops")
    assert stops, "no element took the focus"
    problems = []
    for stop in stops:
        if not stop["indicated"]:
            problems.append(f"no focus indicator on {stop['label']}")
        if not stop.get("seen", True):
            problems.append(f"focused {stop['label']} is hidden by other content")
    return problems


def audit(page: Page, base: str, paths: list[str]) -> list[str]:
    """Every check on every page in every language; one line per problem, page first."""
    report = []
    for lang in LANGUAGES:
        page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
        for path in paths:
            response = page.goto(base + path)
            assert response.status == 200, (path, response.status)
            assert page.evaluate("document.documentElement.lang") == lang
            where = f"[{lang}] {path}:"
            report += [f"{where} axe {line}" for line in axe_violations(page)]
            report += [f"{where} target size (2.5.8) {line}"
                       for line in page.evaluate(TARGET_SIZE_JS)]
            report += [f"{where} focus {line}" for line in focus_problems(page)]
    return report


def fail_on(report: list[str]) -> None:
    assert not report, "\n" + "\n".join(report)


# --- the tests ----------------------------------------------------------------------------------

def test_anonymous_pages(page: Page, live_server):
    fail_on(audit(page, live_server.url, ANONYMOUS_PAGES))


def test_applicant_pages(page: Page, live_server):
    ids = populate(live_server.app)
    log_in(page, live_server.url, "applicant@example.org", PASSWORD)
    fail_on(audit(page, live_server.url, filer_pages(ids["applicant@example.org"])))


def test_agent_pages(page: Page, live_server):
    ids = populate(live_server.app)
    log_in(page, live_server.url, "agent@example.org", PASSWORD)
    agent = ids["agent@example.org"]
    pages = ["/dashboard?kind=trademark&sort=activity&q=Mekong", "/clients/",
             f"/clients/{ids['client']}", f"/filings/{agent['drafts']['trademark']}/edit",
             f"/orders/{agent['order']}", f"/notifications/{agent['notification']}"]
    fail_on(audit(page, live_server.url, pages))


def test_office_console_pages(page: Page, live_server):
    ids = populate(live_server.app)
    log_in(page, live_server.url, "admin@example.org", PASSWORD)
    pages = [*OFFICE_PAGES, f"/office/orders/{ids['applicant@example.org']['order']}"]
    fail_on(audit(page, live_server.url, pages))


def test_the_checks_find_problems(page: Page, live_server):
    """A page with a missing label, two tiny adjacent buttons, a focus style taken away and a
    button under a cover: each check reports it (a check that cannot fail proves nothing)."""
    page.goto(live_server.url + "/login")
    page.evaluate("""() => {
      const main = document.querySelector('main');
      main.insertAdjacentHTML('afterbegin',
        '<div><input id="bare" type="text">' +
        '<button id="tiny1" style="inline-size:12px;block-size:12px;padding:0">a</button>' +
        '<button id="tiny2" style="inline-size:12px;block-size:12px;padding:0">b</button></div>' +
        '<div style="position:relative"><button id="covered">c</button>' +
        '<div style="position:absolute;inset:0;background:#fff"></div></div>' +
        '<style>#bare:focus-visible { outline: none; box-shadow: none; }</style>');
    }""")
    assert any(line.startswith("label ") for line in axe_violations(page))
    sizes = page.evaluate(TARGET_SIZE_JS)
    assert any(line.startswith('button#tiny1 "a" is 12x12 px') for line in sizes), sizes
    focus = focus_problems(page)
    assert 'no focus indicator on input#bare ""' in focus, focus
    assert 'focused button#covered "c" is hidden by other content' in focus, focus
    assert not any("tiny1" in line for line in focus)  # its focus is shown and seen
