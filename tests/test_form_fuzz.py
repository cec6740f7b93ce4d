"""Hostile input on every form of the portal, never a 500.

The rules that accept POST are read from the URL map, so that a form added later is fuzzed too
(or this test fails until it is listed in TARGETS, or in SKIPPED with a reason). For each form:
the user who may use it logs in, opens the page that shows it (real objects with real ids, made
as the access sweep makes them: tests/access_world.py), reads the form's fields from the HTML,
and posts what hypothesis makes of them (tests/fuzz_forms.py): random and oversized text, wrong
types, unknown choices, lists, missing and unknown fields, NUL and other control characters,
bidirectional marks, combining characters, emoji, long words, random files with strange names
and types, raw bodies with invalid UTF-8 and overlong percent-encodings.

Every answer is below 500, nothing is logged at ERROR level, and a form that is refused (any
answer but a redirect) leaves every table's row count as it was.

FORM_FUZZ_EXAMPLES sets the examples per form (default 10)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, inspect, select

from payments.fees import office_today
from portal import create_app
from portal.auth.models import Role
from portal.extensions import db, limiter
from tests.access_world import Sweep, logged_in
from tests.conftest import (
    PASSWORD,
    Browser,
    base_config,
    csrf_token,
    make_user,
    role_accounts,
    rolled_back,
)
from tests.fuzz_forms import Field, Form, form_posting_to, hostile_post

EXAMPLES = int(os.environ.get("FORM_FUZZ_EXAMPLES", "10"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
                suppress_health_check=list(HealthCheck), print_blob=True)

# POST rules that are not forms of a page, each with the reason.
SKIPPED_BLUEPRINTS = {
    "api": "the back office's JSON API: tests/api/test_schemathesis.py fuzzes it",
    "filings_api": "the filers' JSON API: tests/api/test_filings_schemathesis.py fuzzes it",
}
SKIPPED = {
    "orders.stripe_webhook": "Stripe's webhook: refused without Stripe's signature "
                             "(tests/orders/test_stripe_flow.py)",
}
REQUEST_KINDS = {  # a request type and a kind of right it applies to
    "renewal": "trademark", "annuity": "patent", "change_name_address": "trademark",
    "assignment": "trademark", "licence": "patent", "security_interest": "design",
    "representative": "trademark", "correspondence_address": "utility_model",
    "extension": "trademark", "response": "trademark", "examination": "patent",
    "withdrawal": "design", "surrender": "trademark", "certified_copy": "patent",
    "correction": "trademark", "restoration": "trademark", "division": "trademark",
    "limitation": "trademark",
}
# Answers of 200 that are the form's success: the JSON endpoints of the page's scripts, the
# pages that show a new secret once (a calendar address, a token, recovery codes), and the
# password reset's "sent" page (the same whether the account exists or not).
SUCCEEDS_WITH_200 = {"filings.autosave", "filings.fees", "auth.session_keepalive",
                     "auth.forgot_password",
                     "calendar.settings", "auth.create_token", "office.create_api_client",
                     "auth.second_factor_recovery_codes", "auth.second_factor"}
# Tables a refused form may write to by design: the audit log's record of a wrong password or
# second-factor code.
WRITES_WHEN_REFUSED = {e: {"audit_log"} for e in (
    "auth.login", "auth.login_code", "auth.second_factor", "auth.second_factor_disable",
    "auth.second_factor_recovery_codes", "auth.change_password")}


# --- what each form is, where it is shown, and who uses it -----------------------------------

@dataclass
class Target:
    id: str
    endpoint: str
    actor: str  # a user's name in World.users, or "anonymous"
    post: Callable[[World], str]
    page: Callable[[World], str] | None = None  # where the form is shown (default: post)
    action: Callable[[World], str] | None = None  # the form on the page (default: post)
    fields: tuple[str, ...] | None = None  # a form no page shows: its hidden fields


class World:
    """The module's users and objects: the access sweep's world, and a few accounts that the
    forms may change (disable, reset, log out) without harming the others."""

    def __init__(self, app, users):
        from tests.filings.conftest import start

        self.app = app
        self.sweep = Sweep(app, users)
        self.users = dict(self.sweep.users)
        self.users["victim"] = make_user("victim@example.org", full_name="Victim Account")
        self.users["twofactor"] = make_user("twofactor@example.org", second_factor=True)
        self.users["resetter"] = make_user("resetter@example.org")
        self.users["new_agent"] = make_user("new-agent@example.org", Role.AGENT)
        self.users["leaver"] = make_user("leaver@example.org")  # logs out, everywhere too
        self.applicant, self.agent = self.sweep.worlds["applicant"], self.sweep.worlds["agent"]
        self.drafts = {kind: start(self.applicant.web, kind)
                       for kind in ("trademark", "patent", "design", "utility_model")}
        self._cache: dict = {}
        # What needs the office's hands, made now: the sweep's logins expire when idle.
        self.applicant.accepted, self.applicant.transfer, self.agent.transfer  # noqa: B018
        self.sweep.account_id(self.applicant)
        self.once("note", lambda: f"/notifications/{self.applicant.notification()}/archive")
        self.schedule_id = self.sweep.schedule_id

    def once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def request_draft(self, code: str) -> int:
        from tests.requests.conftest import start_request

        return self.once(("request", code),
                         lambda: start_request(self.applicant.web, code, REQUEST_KINDS[code]))

    def reset_token(self) -> str:
        from portal.auth.services import make_token

        with self.app.test_request_context():
            return make_token("reset", self.users["resetter"])

    def browser(self, actor: str) -> Browser:
        limiter.reset()
        if actor == "anonymous":
            return Browser(self.app.test_client())
        if actor == "half_logged_in":  # password typed, second factor not yet
            web = Browser(self.app.test_client())
            web.submit("/login", {"email": "twofactor@example.org",
                                  "password": PASSWORD})
            return web
        return logged_in(self.app, actor, self.users[actor]).web


def _edit(kind_or_id) -> Callable[[World], str]:
    def url(w: World) -> str:
        filing_id = w.drafts[kind_or_id] if isinstance(kind_or_id, str) else kind_or_id(w)
        return f"/filings/{filing_id}/edit"
    return url


def _fresh_draft(w: World) -> int:
    return w.applicant.draft()


def _office_user(path: str) -> Callable[[World], str]:
    return lambda w: f"/office/users/{w.users['victim'].id}{path}"


def targets() -> list[Target]:
    t = Target
    a, ag, adm, anon = "applicant", "agent", "admin", "anonymous"
    found = [
        # Accounts and sessions.
        t("login", "auth.login", anon, lambda w: "/login"),
        t("login_code", "auth.login_code", "half_logged_in", lambda w: "/login/second-factor"),
        t("register", "auth.register", anon, lambda w: "/register"),
        t("resend_confirmation", "auth.resend_confirmation", anon, lambda w: "/confirm"),
        t("forgot_password", "auth.forgot_password", anon, lambda w: "/password/forgot"),
        t("reset_password", "auth.reset_password", anon,
          lambda w: w.once("reset", lambda: f"/password/reset/{w.reset_token()}")),
        t("language", "core.language", anon, lambda w: "/language", lambda w: "/login"),
        t("account_language", "auth.account_language", a, lambda w: "/account/language",
          lambda w: "/account"),
        t("invite_colleague", "auth.invite_colleague", ag, lambda w: "/account/firm/invite",
          lambda w: "/account"),
        t("change_password", "auth.change_password", "leaver", lambda w: "/account/password"),
        t("calendar", "calendar.settings", a, lambda w: "/account/calendar"),
        t("second_factor", "auth.second_factor", a, lambda w: "/account/second-factor"),
        t("second_factor_disable", "auth.second_factor_disable", "twofactor",
          lambda w: "/account/second-factor/disable", lambda w: "/account/second-factor"),
        t("recovery_codes", "auth.second_factor_recovery_codes", "twofactor",
          lambda w: "/account/second-factor/recovery-codes", lambda w: "/account/second-factor"),
        t("create_token", "auth.create_token", a, lambda w: "/account/tokens/new",
          lambda w: "/account/tokens"),
        t("revoke_token", "auth.revoke_token", a,
          lambda w: w.once("token", lambda: f"/account/tokens/{w.applicant.token_id()}/revoke"),
          lambda w: "/account/tokens"),
        t("keepalive", "auth.session_keepalive", "leaver", lambda w: "/session/keepalive",
          lambda w: "/account", fields=()),
        t("end_sessions", "auth.end_sessions", "leaver", lambda w: "/account/sessions/end",
          lambda w: "/account/sessions"),
        t("end_everywhere", "auth.end_everywhere", "leaver", lambda w: "/account/sessions/end-all",
          lambda w: "/account/sessions"),
        t("logout", "auth.logout", "leaver", lambda w: "/logout", lambda w: "/account"),
        # Filings and requests.
        t("new_filing", "filings.new", a, lambda w: "/filings/new"),
        *[t(f"edit_{kind}", "filings.edit", a, _edit(kind))
          for kind in ("trademark", "patent", "design", "utility_model")],
        *[t(f"edit_request_{code}", "filings.edit", a,
            _edit(lambda w, code=code: w.request_draft(code))) for code in REQUEST_KINDS],
        *[t(f"start_request_{code}", "requests.start", a, lambda w, c=code: f"/requests/new/{c}")
          for code in REQUEST_KINDS],
        *[t(f"autosave_{kind}", "filings.autosave", a,
            lambda w, k=kind: f"/filings/{w.drafts[k]}/autosave", _edit(kind), _edit(kind))
          for kind in ("trademark", "patent")],
        *[t(f"fees_{kind}", "filings.fees", a,
            lambda w, k=kind: f"/filings/{w.drafts[k]}/fees", _edit(kind), _edit(kind))
          for kind in ("trademark", "patent")],
        t("copy", "filings.copy", a, lambda w: f"/filings/{w.drafts['design']}/copy",
          _edit("design")),
        t("delete", "filings.delete", a,
          lambda w: w.once("deleted", lambda: f"/filings/{_fresh_draft(w)}/delete"),
          lambda w: w.once("deleted", None).replace("/delete", "/edit")),
        t("archive", "notifications.archive", a,
          lambda w: w.once("note", lambda: f"/notifications/{w.applicant.notification()}/archive"),
          lambda w: w.once("note", None).removesuffix("/archive")),
        # The cart and payments.
        t("add_to_cart", "orders.add", a, lambda w: f"/cart/add/{w.drafts['trademark']}",
          _edit("trademark")),
        t("remove_from_cart", "orders.remove", a,
          lambda w: w.once("in_cart", lambda: f"/cart/remove/{w.applicant.draft_in_cart()}"),
          lambda w: "/cart"),
        t("checkout", "orders.checkout", a, lambda w: "/cart/checkout", lambda w: w.once(
            "filled", lambda: _filled_cart(w))),
        t("top_up", "orders.top_up", a, lambda w: "/deposit/top-up", lambda w: "/deposit"),
        # The client book (agents).
        t("new_client", "clients.new", ag, lambda w: "/clients/new"),
        t("edit_client", "clients.edit", ag,
          lambda w: w.once("client", lambda: f"/clients/{w.agent.client()}")),
        t("delete_client", "clients.delete", ag,
          lambda w: w.once("client2", lambda: f"/clients/{w.agent.client()}") + "/delete",
          lambda w: w.once("client2", None)),
        t("add_power", "clients.add_power", ag,
          lambda w: w.once("client", lambda: f"/clients/{w.agent.client()}") + "/powers",
          lambda w: w.once("client", None)),
        t("remove_power", "clients.remove_power", ag, lambda w: w.once("power", lambda: (
            "/clients/{client_id}/powers/{power_id}/delete".format(**w.agent.power()))),
          lambda w: w.once("power", None).split("/powers")[0]),
        # The office console.
        t("create_api_client", "office.create_api_client", adm,
          lambda w: "/office/api-clients/new", lambda w: "/office/api-clients"),
        t("revoke_api_client", "office.revoke_api_client", adm,
          lambda w: f"/office/api-clients/{w.sweep.system_client_id}/revoke"),
        t("replay_delivery", "office.replay_delivery", adm,
          lambda w: f"/office/deliveries/{_outbox(w)}/replay",
          lambda w: f"/office/deliveries/{_outbox(w)}", fields=()),  # shown once it failed
        t("replay_deliveries", "office.replay_deliveries", adm,
          lambda w: "/office/deliveries/replay", lambda w: "/office/deliveries"),
        t("adjust_deposit", "office.adjust_deposit", adm,
          lambda w: f"/office/deposits/{w.sweep.account_id(w.applicant)}/adjust",
          lambda w: f"/office/deposits/{w.sweep.account_id(w.applicant)}"),
        t("office_top_up", "office.top_up", adm,
          lambda w: f"/office/deposits/{w.sweep.account_id(w.applicant)}/top-up",
          lambda w: f"/office/deposits/{w.sweep.account_id(w.applicant)}/top-up"
                    "?top_up-amount=1000&top_up-note=Fuzz"),
        t("notification_template", "office.notification_template", adm,
          lambda w: f"/office/notification-templates/{w.sweep.template_id}"),
        t("template_active", "office.notification_template_active", adm,
          lambda w: f"/office/notification-templates/{w.sweep.template_id}/active",
          lambda w: "/office/notification-templates"),
        t("new_template", "office.new_notification_template", adm,
          lambda w: "/office/notification-templates/new"),
        t("new_notification", "office.new_notification", adm,
          lambda w: "/office/notifications/new",
          lambda w: f"/office/notifications/new?filing={w.applicant.accepted.id}"),
        t("office_texts", "office.office_texts", adm, lambda w: "/office/office-texts"),
        t("refund", "office.refund", adm, lambda w: f"/office/orders/{w.applicant.order.id}/refund",
          lambda w: f"/office/orders/{w.applicant.order.id}"),
        t("confirm_transfer", "office.confirm_transfer", adm,
          lambda w: f"/office/payments/{w.applicant.transfer.payment.id}/confirm",
          lambda w: f"/office/payments/{w.applicant.transfer.payment.id}/confirm"
                    f"?booked_on={office_today().isoformat()}"),
        t("reject_transfer", "office.reject_transfer", adm,
          lambda w: f"/office/payments/{w.agent.transfer.payment.id}/reject"),
        t("tariff_new", "office.tariff_new", adm, lambda w: "/office/tariff/new"),
        t("tariff_upload", "office.tariff_upload", adm, lambda w: "/office/tariff/upload"),
        t("tariff_confirm", "office.tariff_confirm", adm, lambda w: "/office/tariff/confirm",
          lambda w: "/office/tariff", fields=("proposal",)),
        t("tariff_delete", "office.tariff_delete", adm,
          lambda w: f"/office/tariff/{w.schedule_id}/delete", fields=()),  # a scheduled one
        t("disable_user", "office.disable_user", adm, _office_user("/disable")),
        t("enable_user", "office.enable_user", adm, _office_user("/enable"), _office_user("")),
        t("change_role", "office.change_role", adm, _office_user("/role"), _office_user("")),
        t("reset_second_factor", "office.reset_second_factor", adm,
          _office_user("/second-factor/reset")),
        t("verify_user", "office.verify_user", adm,
          lambda w: f"/office/users/{w.users['new_agent'].id}/verify",
          lambda w: f"/office/users/{w.users['new_agent'].id}"),
    ]
    return found


def _outbox(w: World) -> int:
    return w.sweep.outbox_id(w.applicant.accepted)


def _filled_cart(w: World) -> str:
    from tests.orders.conftest import fill_cart

    w.applicant.empty_cart()
    fill_cart(w.applicant.web, kinds=("trademark",))
    return "/cart"


TARGETS = targets()


# --- the module's app: one world for every form, rolled back at the end ------------------------

@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    app = create_app(base_config(tmp_path_factory.mktemp("fuzz") / "data", database_url))
    with rolled_back(app):
        yield World(app, role_accounts())


@pytest.fixture
def errors_logged():
    """The records logged at ERROR or above while the test runs."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(logging.ERROR)
    logging.getLogger().addHandler(handler)
    yield records
    logging.getLogger().removeHandler(handler)


def row_counts() -> dict[str, int]:
    present = set(inspect(db.session.connection()).get_table_names())
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables if t.name in present}


# --- the list is complete -----------------------------------------------------------------------

def post_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods),
                  key=lambda r: r.rule)


def is_skipped(endpoint: str) -> bool:
    return endpoint in SKIPPED or endpoint.partition(".")[0] in SKIPPED_BLUEPRINTS


def test_every_form_is_fuzzed_or_skipped_with_a_reason(tmp_path):
    app = create_app(base_config(tmp_path, "sqlite://"))  # the URL map only
    endpoints = {r.endpoint for r in post_rules(app)}
    covered = {t.endpoint for t in TARGETS}
    missing = sorted(e for e in endpoints if e not in covered and not is_skipped(e))
    assert missing == [], "add the form to TARGETS (or to SKIPPED, with the reason)"
    assert sorted((covered | SKIPPED.keys()) - endpoints) == []  # nothing listed that is gone
    assert {r.rule for r in post_rules(app) if is_skipped(r.endpoint)} >= {
        "/api/v1/filings", "/payments/stripe/webhook"}
    assert len({t.id for t in TARGETS}) == len(TARGETS)


# --- the fuzz -----------------------------------------------------------------------------------

def find_form(world: World, target: Target, web: Browser) -> tuple[str, Form, str]:
    post = target.post(world)
    page = target.page(world) if target.page else post
    response = web.get(page)
    assert response.status_code == 200, (page, response.status_code)
    html = response.get_data(as_text=True)
    csrf = csrf_token(html)
    if target.fields is not None:
        form = Form(post, "post", False)
        for name in target.fields:
            form.add(Field(name, "hidden"))
        return post, form, csrf
    action = (target.action(world) if target.action else post).split("?")[0]
    form = form_posting_to(html, page.split("?")[0], action)
    assert form is not None, f"no form posting to {action} on {page}"
    return post, form, csrf


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_hostile_input_never_breaks_a_form(world, target, errors_logged):
    web = world.browser(target.actor)
    url, form, csrf = find_form(world, target, web)
    allowed = WRITES_WHEN_REFUSED.get(target.endpoint, set())

    @FUZZ
    @given(post=hostile_post(form, csrf))
    def fuzz(post):
        limiter.reset()
        errors_logged.clear()
        before = row_counts()
        response = post.send(web.client, url)
        assert response.status_code < 500, response.get_data(as_text=True)[:2000]
        assert [r.getMessage() for r in errors_logged] == []
        refused = response.status_code not in (301, 302, 303) and not (
            target.endpoint in SUCCEEDS_WITH_200 and response.status_code in (200, 204))
        if refused:
            after = row_counts()
            changed = {t for t in before if before[t] != after[t]} - allowed
            assert changed == set(), (response.status_code, changed)

    fuzz()

