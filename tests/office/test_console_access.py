"""Every URL of the office console, read from the URL map, so that a page added later is swept
too: applicants and agents get 404 for every method (with a valid CSRF token, so that CSRF is
not what stops them), anonymous visitors go to the login page, staff reach every page but the
administrators' own, which give staff 404 and administrators the page."""

from __future__ import annotations

import inspect
import re
import uuid

import pytest
from sqlalchemy import func, select
from werkzeug.routing import Rule
from werkzeug.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    UUIDConverter,
)

from portal.auth.models import Role
from portal.extensions import db
from tests.conftest import Browser, csrf_token

OFFICE = "/office"
SWEPT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Plausible values of the string arguments; any other gets "example".
STRINGS = {"name": "20260101T000000000000-deadbeef.eml", "token": "not-a-real-token"}


def office_rules(app) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.rule == OFFICE or
             r.rule.startswith(OFFICE + "/")]
    return sorted(rules, key=lambda r: r.rule)


def view_of(app, rule: Rule):
    return app.view_functions[rule.endpoint]


def is_admin_only(app, rule: Rule) -> bool:
    return set(getattr(view_of(app, rule), "required_roles", ())) == {Role.ADMIN}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def real_id(app, rule: Rule, argument: str) -> int:
    """The id of an existing object the argument may name (`order_id`: an Order; `message_id`:
    an OutboxMessage), preferring the models the view's module uses; 1 when none is found."""
    stem = argument.removesuffix("_id")
    used = inspect.unwrap(view_of(app, rule)).__globals__
    candidates = []
    for mapper in db.Model.registry.mappers:
        cls, snake = mapper.class_, _snake(mapper.class_.__name__)
        if snake == stem or snake.endswith("_" + stem):
            candidates.append(((cls.__name__ not in used), snake != stem, cls.__name__, mapper))
    for *_rank, mapper in sorted(candidates, key=lambda c: c[:3]):
        if len(mapper.primary_key) == 1:
            found = db.session.scalar(select(func.max(mapper.primary_key[0])))
            if isinstance(found, int):
                return found
    return 1


def url_of(app, rule: Rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if name in (rule.defaults or {}):
            values[name] = rule.defaults[name]
        elif isinstance(converter, IntegerConverter):
            values[name] = real_id(app, rule, name)
        elif isinstance(converter, FloatConverter):
            values[name] = 1.0
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.uuid4()
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = STRINGS.get(name, "example")
    _domain, path = rule.build(values, append_unknown=False)
    return path


def methods_of(rule: Rule) -> list[str]:
    return [m for m in SWEPT_METHODS if m in rule.methods]


@pytest.fixture
def objects(app, users):
    """Something of each kind, so that the URLs name objects that exist."""
    from payments.fees import load_tariff
    from payments.providers.deposit_account import open_account
    from portal.api.models import create_client
    from portal.demo_filings import seed_filings
    from portal.seed import TARIFF_FILE

    load_tariff(TARIFF_FILE)
    seed_filings(users["agent"], 2, delivered=0.5)
    open_account(users["agent"], "KHR")
    create_client("Sweep client", ["submissions:read"])
    db.session.commit()


def logged_in(app, email: str) -> tuple[Browser, str]:
    web = Browser(app.test_client())
    assert web.login(email).status_code == 302
    return web, csrf_token(web.get("/account").get_data(as_text=True))


def test_the_sweep_sees_the_console(app):
    endpoints = {r.endpoint for r in office_rules(app)}
    assert {"office.index", "office.audit", "office.audit_export", "office.orders",
            "office.order", "office.deliveries"} <= endpoints


def test_every_console_view_asks_for_an_office_role(app):
    for rule in office_rules(app):
        roles = getattr(view_of(app, rule), "required_roles", None)
        assert roles, f"{rule.rule} ({rule.endpoint}) is not behind office_required"
        assert set(roles) <= {Role.STAFF, Role.ADMIN}, rule.rule


@pytest.mark.parametrize("role", ["applicant", "agent"])
def test_filers_get_404_for_every_console_url_and_method(app, users, objects, refusals, role):
    web, token = logged_in(app, f"{role}@example.org")
    answers = {}
    for rule in office_rules(app):
        url = url_of(app, rule)
        for method in methods_of(rule):
            data = None if method == "GET" else {"csrf_token": token}
            response = web.client.open(url, method=method, data=data, buffered=True)
            answers[f"{method} {url}"] = response.status_code
    assert answers and set(answers.values()) == {404}, {
        k: v for k, v in answers.items() if v != 404}
    assert sorted(refusals) == sorted(answers)  # each one stopped by the role check
    # The token was good: the same client may still post its own forms.
    assert web.submit("/account/language", {"locale": "en"}).status_code == 302


def test_anonymous_visitors_are_sent_to_the_login_page(app, users, objects):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    wrong = {}
    for rule in office_rules(app):
        url = url_of(app, rule)
        for method in methods_of(rule):
            data = None if method == "GET" else {"csrf_token": token}
            response = client.open(url, method=method, data=data, buffered=True)
            to_login = (response.status_code == 302
                        and response.headers["Location"].split("?")[0].endswith("/login"))
            if not (to_login or response.status_code == 404):
                wrong[f"{method} {url}"] = response.status_code
    assert wrong == {}


def test_staff_reach_every_page_and_only_administrators_their_own(app, users, objects,
                                                                   refusals):
    staff, _token = logged_in(app, "staff@example.org")
    admin, _token = logged_in(app, "admin@example.org")
    pages = [r for r in office_rules(app) if "GET" in r.methods and not r.arguments]
    assert len(pages) >= 5
    wrong = {}
    for rule in pages:
        url = url_of(app, rule)
        refusals.clear()
        as_staff = staff.get(url, buffered=True).status_code
        staff_refused = bool(refusals)
        refusals.clear()
        as_admin = admin.get(url, buffered=True).status_code
        answers = (as_staff, as_admin, staff_refused, bool(refusals))
        if is_admin_only(app, rule):
            if answers != (404, 200, True, False):
                wrong[url] = answers
        # A page that needs a query parameter (which filing?) may say 404 itself, without
        # one; the role check must let staff in.
        elif staff_refused or refusals or as_staff == 405 or as_staff >= 500:
            wrong[url] = answers
    assert wrong == {}, "(staff, admin, staff refused, admin refused)"
