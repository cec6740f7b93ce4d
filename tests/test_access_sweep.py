"""Every URL of the app that names an object, read from the URL map, so that a route added later
is swept too (or the sweep fails until it gets a filler): the filer's objects are real (drafts,
an accepted filing with its documents, an order with its receipt and credit note, a
notification, client-book entries, personal tokens), and for each URL and each method the rule
allows, other users of the same role, users of the wrong role and anonymous visitors are
refused (404; the login page for anonymous visitors on pages, 401 on the API) without anything
in the database changing, while the owner of the object does reach it.

Rules that take an argument that is not an id are listed in NOT_IDS; the public routes whose
secret token is the key are in PUBLIC_TOKENS and have tests of their own at the end. The office
console's pages name objects the whole office works on: there the wrong roles and anonymous
visitors are swept (tests/office/test_console_access.py sweeps the rules without an id too)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from payments.fees import office_today
from portal.auth.models import Role
from portal.clients.models import Client
from portal.extensions import db
from portal.tracking import calendar
from tests.access_world import Actor, Sweep, World, changed_tables, snapshot
from tests.conftest import make_user
from tests.filings.conftest import pdf_bytes

SWEPT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Arguments that name no object: nothing to find out about anybody through them.
NOT_IDS = {
    "static": "the app's own files",
    "api_docs.asset": "the files of the API documentation page",
    "requests.start": "a request type's code (renewal, licence, ...)",
    "filings_api.FilingFormView": "the kind and the type of a form, the same for everybody",
}
# Public by design: the secret in the address is the key (tested below with wrong secrets).
PUBLIC_TOKENS = {"auth.confirm", "auth.reset_password", "calendar.feed"}
# Filer pages that office staff may open too, by design.
OFFICE_MAY_OPEN = {"filings.document": "staff read the documents of every filing"}
# API blueprints for the back office's system clients (every accepted submission is theirs).
BACK_OFFICE_BLUEPRINTS = {"api"}


# --- the fillers ----------------------------------------------------------------------------------

def _order(w: World) -> dict:
    return {"order_id": w.order.id}


def _draft(w: World) -> dict:
    return {"filing_id": w.draft()}


def _client(w: World) -> dict | None:
    client_id = w.client()
    return None if client_id is None else {"client_id": client_id}


# Endpoint -> a function that makes the objects of a world and gives the URL's arguments
# (None: such objects cannot be the world's user's). A route with an id and no entry here
# fails test_every_url_with_an_id_has_a_filler.
FILLERS: dict[str, Callable[[World], dict | None]] = {
    "auth.revoke_token": lambda w: {"token_id": w.token_id()},
    "filings.show": lambda w: {"filing_id": w.accepted.id},
    "filings.edit": _draft,
    "filings.autosave": _draft,
    "filings.fees": _draft,
    "filings.copy": _draft,
    "filings.delete": _draft,
    "filings.document": lambda w: {"document_id": w.accepted.documents[0].id},
    "orders.add": _draft,
    "orders.remove": lambda w: {"filing_id": w.draft_in_cart()},
    "orders.order": _order,
    "orders.pay_by_card": _order,
    "orders.receipt": _order,
    "orders.stripe_return": _order,
    "orders.acknowledgement": lambda w: {"order_id": w.order.id, "filing_id": w.accepted.id},
    "orders.credit_note": lambda w: {"order_id": w.order.id,
                                     "receipt_id": w.credit_note_of(w.order).id},
    "notifications.show": lambda w: {"notification_id": w.notification()},
    "notifications.archive": lambda w: {"notification_id": w.notification()},
    "clients.edit": _client,
    "clients.delete": _client,
    "clients.add_power": _client,
    "clients.remove_power": lambda w: w.power(),
    # The filing API (a filer's personal token).
    "filings_api.FilingView": _draft,
    "filings_api.FilingCheck": _draft,
    "filings_api.FilingDocuments": _draft,
    "filings_api.FilingDocument": lambda w: w.draft_with_document(),
    "filings_api.CartItemView": lambda w: {"filing_id": w.draft_in_cart()},
    # The back office's API (system clients).
    "api.SubmissionView": lambda w: {"submission_id": w.accepted.id},
    "api.SubmissionDocument": lambda w: {"submission_id": w.accepted.id,
                                         "document_id": w.accepted.documents[0].id},
    "api.SubmissionEvents": lambda w: {"submission_id": w.accepted.id},
    # The office console, on the objects of the filer's world.
    "office.revoke_api_client": lambda w: {"client_id": w.sweep.system_client_id},
    "office.delivery": lambda w: {"message_id": w.sweep.outbox_id(w.accepted)},
    "office.replay_delivery": lambda w: {"message_id": w.sweep.outbox_id(w.accepted)},
    "office.deposit_account": lambda w: {"account_id": w.sweep.account_id(w)},
    "office.adjust_deposit": lambda w: {"account_id": w.sweep.account_id(w)},
    "office.top_up": lambda w: {"account_id": w.sweep.account_id(w)},
    "office.mail_message": lambda w: {"name": w.sweep.mail_name(w)},
    "office.notification_template": lambda w: {"template_id": w.sweep.template_id},
    "office.notification_template_active": lambda w: {"template_id": w.sweep.template_id},
    "office.order": _order,
    "office.refund": _order,
    "office.confirm_transfer": lambda w: {"payment_id": w.transfer.payment.id},
    "office.reject_transfer": lambda w: {"payment_id": w.transfer.payment.id},
    "office.receipt_file": lambda w: {"receipt_id": w.credit_note_of(w.order).id},
    "office.tariff_version": lambda w: {"schedule_id": w.sweep.schedule_id},
    "office.tariff_delete": lambda w: {"schedule_id": w.sweep.schedule_id},
    "office.tariff_export": lambda w: {"schedule_id": w.sweep.schedule_id},
    "office.user": lambda w: {"user_id": w.user.id},
    "office.disable_user": lambda w: {"user_id": w.user.id},
    "office.enable_user": lambda w: {"user_id": w.user.id},
    "office.change_role": lambda w: {"user_id": w.user.id},
    "office.reset_second_factor": lambda w: {"user_id": w.user.id},
    "office.verify_user": lambda w: {"user_id": w.user.id},
}

# What a well-formed request of some API methods carries, so that what refuses it is the
# access check, not the body's validation.
API_BODIES: dict[tuple[str, str], Callable[[], dict]] = {
    ("filings_api.FilingView", "PATCH"): lambda: {"json": {"data": {"reference": "X-1"}}},
    ("filings_api.FilingView", "PUT"): lambda: {"json": {"data": {"reference": "X-1"}}},
    ("filings_api.FilingDocuments", "POST"): lambda: {
        "data": {"slot": "description_pdf", "file": (io.BytesIO(pdf_bytes(1)), "d.pdf")},
        "content_type": "multipart/form-data"},
    ("api.SubmissionEvents", "POST"): lambda: {
        "json": {"id": "SWEEP-STATUS-1", "type": "status", "status": "published"}},
}


def ask(actor: Actor, method: str, url: str, endpoint: str):
    return actor.call(method, url, API_BODIES.get((endpoint, method), dict)())


# --- the URL map ----------------------------------------------------------------------------

def rules_with_arguments(app):
    return sorted((r for r in app.url_map.iter_rules() if r.arguments),
                  key=lambda r: (r.rule, r.endpoint))


def swept_rules(app):
    return [r for r in rules_with_arguments(app)
            if r.endpoint not in NOT_IDS and r.endpoint not in PUBLIC_TOKENS]


def area(rule) -> str:
    if rule.rule == "/office" or rule.rule.startswith("/office/"):
        return "office"
    if rule.rule.startswith("/api/"):
        blueprint = rule.endpoint.partition(".")[0]
        return "back office" if blueprint in BACK_OFFICE_BLUEPRINTS else "api"
    return "pages"


def argument_order(rule) -> list[str]:
    return re.findall(r"<(?:[^:<>]+:)?([^:<>]+)>", rule.rule)


def methods_of(rule) -> list[str]:
    return [m for m in SWEPT_METHODS if m in rule.methods]


def build(rule, values: dict) -> str:
    missing = set(rule.arguments) - set(values)
    assert not missing, f"the filler of {rule.endpoint} gives no {', '.join(sorted(missing))}"
    return rule.build(values, append_unknown=False)[1]


def required_roles(app, rule) -> tuple:
    return getattr(app.view_functions[rule.endpoint], "required_roles", ())


def to_login(response) -> bool:
    return (response.status_code == 302
            and urlsplit(response.headers["Location"]).path == "/login")


def reached(response) -> bool:
    """The owner got past the access checks (an answer about the object, not a refusal)."""
    return response.status_code not in (401, 403, 404, 405) and response.status_code < 500


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture
def sweep(app, users):
    return Sweep(app, users)


# --- the table is complete ------------------------------------------------------------------

def test_every_url_with_an_id_has_a_filler(app):
    endpoints = {r.endpoint for r in rules_with_arguments(app)}
    missing = sorted(r.rule for r in swept_rules(app) if r.endpoint not in FILLERS)
    assert missing == [], "add a filler to FILLERS (or the rule to NOT_IDS, with a reason)"
    assert sorted(set(FILLERS) - endpoints) == []  # no filler for a route that is gone
    assert sorted((NOT_IDS.keys() | PUBLIC_TOKENS | OFFICE_MAY_OPEN.keys()) - endpoints) == []
    assert sorted(set(PUBLIC_TOKEN_CHECKS) ^ PUBLIC_TOKENS) == []


def test_the_sweep_sees_every_area(app):
    areas = {area(r) for r in swept_rules(app)}
    assert areas == {"pages", "api", "back office", "office"}


# --- filers' objects: pages and the filing API ----------------------------------------------

OWNERS = ("applicant", "agent")
# Who must not reach an owner's objects: every other filer but the owner's firm colleagues.
STRANGERS = ("applicant", "applicant2", "agent", "agent2", "former_agent")
SAME_ROLE = {"applicant": "applicant2", "agent": "agent2"}


def sweep_url(sweep, rule, url, owner, refusals) -> dict[str, object]:
    """Everybody but the owner, then the owner; what went wrong, by request."""
    actors, wrong = sweep.actors, {}
    kind = area(rule)
    for method in methods_of(rule):
        before = snapshot()
        for name in STRANGERS:
            if name == owner:
                continue
            actor = actors[name]
            if kind == "api":
                actor.token = sweep.worlds[name].token
            if ask(actor, method, url, rule.endpoint).status_code != 404:
                wrong[f"{name} {method} {url}"] = "not 404"
        if kind == "api":
            for name, token, code in (("staff token", sweep.staff_token, 403),
                                      ("system client", sweep.system_token, 403),
                                      ("revoked token", sweep.worlds[owner].revoked_token, 401),
                                      ("no token", None, 401)):
                actors["anonymous"].token = token
                status = ask(actors["anonymous"], method, url, rule.endpoint).status_code
                if status != code:
                    wrong[f"{name} {method} {url}"] = status
            actors["anonymous"].token = None
        else:
            refusals.clear()
            answer = ask(actors["staff"], method, url, rule.endpoint)
            if rule.endpoint in OFFICE_MAY_OPEN:
                if not reached(answer) or refusals:
                    wrong[f"staff {method} {url}"] = (answer.status_code, "may open it")
            elif answer.status_code != 404 or len(refusals) != 1:
                wrong[f"staff {method} {url}"] = (answer.status_code, refusals[:])
            answer = ask(actors["anonymous"], method, url, rule.endpoint)
            if not (to_login(answer) or answer.status_code == 404):
                wrong[f"anonymous {method} {url}"] = answer.status_code
        changed = changed_tables(before, snapshot())
        if changed:
            wrong[f"{method} {url} changed"] = changed
        actor = actors[owner]
        actor.token = sweep.worlds[owner].token if kind == "api" else None
        answer = ask(actor, method, url, rule.endpoint)
        if not reached(answer):
            wrong[f"owner {owner} {method} {url}"] = answer.status_code
    return wrong


def test_nobody_but_the_owner_reaches_a_filers_objects(app, sweep, refusals):
    wrong, swept = {}, set()
    for rule in swept_rules(app):
        if area(rule) not in ("pages", "api"):
            continue
        for owner in OWNERS:
            values = FILLERS[rule.endpoint](sweep.worlds[owner])
            if values is None:
                continue
            swept.add(rule.endpoint)
            wrong.update(sweep_url(sweep, rule, build(rule, values), owner, refusals))
    assert wrong == {}
    assert swept == {r.endpoint for r in swept_rules(app) if area(r) in ("pages", "api")}


def test_an_own_parent_does_not_open_another_users_child(app, sweep):
    """`/orders/<mine>/credit-notes/<theirs>`: the second id is looked up within the first."""
    wrong, swept = {}, 0
    for rule in swept_rules(app):
        names = argument_order(rule)
        if area(rule) not in ("pages", "api") or len(names) < 2:
            continue
        for owner in OWNERS:
            theirs = FILLERS[rule.endpoint](sweep.worlds[owner])
            if theirs is None:
                continue
            other = next(n for n in OWNERS if n != owner)
            mine = FILLERS[rule.endpoint](sweep.worlds[other])
            if mine is None:
                other = SAME_ROLE[owner]
                mine = FILLERS[rule.endpoint](sweep.worlds[other])
            url = build(rule, {**theirs, names[0]: mine[names[0]]})
            actor = sweep.actors[other]
            actor.token = sweep.worlds[other].token if area(rule) == "api" else None
            for method in methods_of(rule):
                before = snapshot()
                status = ask(actor, method, url, rule.endpoint).status_code
                if status != 404 or changed_tables(before, snapshot()):
                    wrong[f"{other} {method} {url}"] = status
                swept += 1
    assert wrong == {}
    assert swept >= 5


# --- the back office's API ------------------------------------------------------------------

def test_the_back_office_api_wants_a_system_client_with_the_scope(app, sweep):
    """Every accepted submission is the back office's: there is no second client to keep out,
    but filers' tokens, tokens without the scope and requests without a token are."""
    wrong, web = {}, sweep.actors["anonymous"]
    world = sweep.worlds["applicant"]
    rules = [r for r in swept_rules(app) if area(r) == "back office"]
    assert rules
    for rule in rules:
        url = build(rule, FILLERS[rule.endpoint](world))
        for method in methods_of(rule):
            expected = [("no token", None, 401), ("owner's token", world.token, 403),
                        ("staff token", sweep.staff_token, 403)]
            if method != "GET":
                expected.append(("read-only client", sweep.reader_token, 403))
            before = snapshot()
            for name, token, code in expected:
                web.token = token
                status = ask(web, method, url, rule.endpoint).status_code
                if status != code:
                    wrong[f"{name} {method} {url}"] = status
            if changed_tables(before, snapshot()):
                wrong[f"{method} {url} changed"] = changed_tables(before, snapshot())
            web.token = sweep.system_token
            if not reached(ask(web, method, url, rule.endpoint)):
                wrong[f"system client {method} {url}"] = "refused"
    web.token = None
    assert wrong == {}


def test_a_submissions_document_is_found_within_that_submission_only(app, sweep):
    mine, theirs = sweep.worlds["agent"].accepted, sweep.worlds["applicant"].accepted
    web = sweep.actors["anonymous"]
    web.token = sweep.system_token
    url = f"/api/v1/submissions/{mine.id}/documents/{theirs.documents[0].id}"
    assert ask(web, "GET", url, "api.SubmissionDocument").status_code == 404
    url = f"/api/v1/submissions/{theirs.id}/documents/{theirs.documents[0].id}"
    assert ask(web, "GET", url, "api.SubmissionDocument").status_code == 200


# --- the office console ---------------------------------------------------------------------

def test_the_console_is_closed_to_filers_and_anonymous_visitors(app, sweep, refusals):
    wrong = {}
    world = sweep.worlds["applicant"]
    for rule in swept_rules(app):
        if area(rule) != "office":
            continue
        url = build(rule, FILLERS[rule.endpoint](world))
        admin_only = set(required_roles(app, rule)) == {Role.ADMIN}
        intruders = ["applicant", "agent", "former_agent"] + (["staff"] if admin_only else [])
        for method in methods_of(rule):
            before = snapshot()
            for name in intruders:
                refusals.clear()
                status = ask(sweep.actors[name], method, url, rule.endpoint).status_code
                if status != 404 or len(refusals) != 1:
                    wrong[f"{name} {method} {url}"] = (status, refusals[:])
            answer = ask(sweep.actors["anonymous"], method, url, rule.endpoint)
            if not to_login(answer):
                wrong[f"anonymous {method} {url}"] = answer.status_code
            if changed_tables(before, snapshot()):
                wrong[f"{method} {url} changed"] = changed_tables(before, snapshot())
        if "GET" in rule.methods:  # the id names something the office can open
            insider = sweep.actors["admin" if admin_only else "staff"]
            if not reached(ask(insider, "GET", url, rule.endpoint)):
                wrong[f"office GET {url}"] = "refused"
    assert wrong == {}


# --- the firm: an agent who left it ---------------------------------------------------------

def test_an_agent_turned_applicant_no_longer_sees_the_firms_book_or_files(app, sweep):
    """The firm's id stays on an account whose role the office changed; what the firm owns
    (documents, client names) follows the role, as the filings and orders do."""
    agent = sweep.worlds["agent"]
    client_id = agent.client()
    name = db.session.get(Client, client_id).name
    document = agent.accepted.documents[0]
    former = sweep.actors["former_agent"]
    assert former.call("GET", f"/filings/documents/{document.id}").status_code == 404
    assert name not in former.web.get("/dashboard").get_data(as_text=True)
    assert name in sweep.actors["agent"].web.get("/dashboard").get_data(as_text=True)


# --- public routes whose token is the key ---------------------------------------------------

def check_confirm(sweep) -> None:
    from portal.auth.services import make_token

    with sweep.app.test_request_context():
        user = make_user("new@example.org", confirmed=False)
        reset = make_token("reset", user)
        good = make_token("confirm", user)
    web = sweep.actors["anonymous"].web
    for token in ("not-a-token", reset, good[:-2] + ("AA" if good[-2:] != "AA" else "BB")):
        r = web.get(f"/confirm/{token}")
        assert r.status_code in (400, 404), token
        assert user.email not in r.get_data(as_text=True)
        db.session.refresh(user)
        assert user.email_confirmed_at is None


def check_reset_password(sweep) -> None:
    from portal.auth.services import make_token

    user = sweep.users["applicant2"]
    with sweep.app.test_request_context():
        confirm = make_token("confirm", user)
        good = make_token("reset", user)
    web = sweep.actors["anonymous"]
    before = user.password_hash
    for token in ("not-a-token", confirm, good[:-2] + ("AA" if good[-2:] != "AA" else "BB")):
        url = f"/password/reset/{token}"
        for method in ("GET", "POST"):
            r = web.web.client.open(url, method=method, buffered=True, data={
                "csrf_token": web.csrf, "password": "new-walrus-canyon-piano",
                "confirm": "new-walrus-canyon-piano"} if method == "POST" else None)
            assert r.status_code in (400, 404), (method, token)
            assert user.email not in r.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before


def check_calendar_feed(sweep) -> None:
    agent, applicant = sweep.worlds["agent"], sweep.worlds["applicant"]
    for world in (agent, applicant):
        world.notification(response_due=office_today() + timedelta(days=30))
    with sweep.app.test_request_context():
        url = calendar.new_feed(applicant.user)
        old = calendar.new_feed(agent.user)
        calendar.new_feed(agent.user)  # the old address stops working
    db.session.commit()
    token = urlsplit(url).path.rsplit("/", 1)[1].removesuffix(".ics")
    web = sweep.actors["anonymous"].web
    mine = web.get(urlsplit(url).path)
    assert mine.status_code == 200
    assert applicant.accepted.portal_number in mine.get_data(as_text=True)
    assert agent.accepted.portal_number not in mine.get_data(as_text=True)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for path in ("/calendar/not-a-token.ics", f"/calendar/{tampered}.ics", urlsplit(old).path):
        r = web.get(path)
        assert r.status_code == 404, path
        body = r.get_data(as_text=True)
        assert agent.accepted.portal_number not in body
        assert applicant.accepted.portal_number not in body


PUBLIC_TOKEN_CHECKS = {"auth.confirm": check_confirm,
                       "auth.reset_password": check_reset_password,
                       "calendar.feed": check_calendar_feed}


@pytest.mark.parametrize("endpoint", sorted(PUBLIC_TOKEN_CHECKS))
def test_a_wrong_secret_in_a_public_address_finds_nobody(app, sweep, endpoint):
    PUBLIC_TOKEN_CHECKS[endpoint](sweep)
