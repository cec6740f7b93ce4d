"""The office console's Tariff pages: versions, a new version confirmed against the one in
force, uploads checked rule by rule, scheduled versions deleted, and the fee preview."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from payments.fees import calculate_fees, office_today
from payments.models import FeeSchedule, Order, OrderState
from portal.audit import AuditEntry
from portal.extensions import db
from portal.filings.models import Filing
from portal.seed import TARIFF_FILE
from tests.conftest import Browser, csrf_token
from tests.filings.conftest import complete_draft
from tests.orders.conftest import checkout, fill_cart, order_id_of


class _FormFields(HTMLParser):
    """The fields a browser would send with the form posting to `action`."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action and not self.fields
        elif tag == "input" and self.inside and attrs.get("name"):
            self.fields[attrs["name"]] = unescape(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> dict:
    parser = _FormFields(action)
    parser.feed(html)
    assert parser.fields, f"no form posting to {action}"
    return parser.fields


def logged_in(app, email: str) -> Browser:
    web = Browser(app.test_client())
    web.login(email)
    return web


@pytest.fixture
def admin(app, users):
    return logged_in(app, "admin@example.org")


@pytest.fixture
def agent(app, users):
    return logged_in(app, "agent@example.org")


def versions() -> int:
    return db.session.scalar(select(func.count(FeeSchedule.id)))


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def row_of(fields: dict, code: str) -> str:
    """The prefix of the edit table's row of fee `code` ("rules-3")."""
    return next(name[:-5] for name, value in fields.items()
                if name.endswith("-code") and value == code)


def edit_page(admin, changes: dict[str, str], valid_from, name="Tariff of next year"):
    """Post the edit table of the version in force with new amounts for some fees."""
    fields = form_fields(admin.get("/office/tariff/new").get_data(as_text=True),
                         "/office/tariff/new")
    fields.update(name=name, valid_from=str(valid_from))
    for code, amount in changes.items():
        fields[f"{row_of(fields, code)}-amount"] = amount
    return admin.client.post("/office/tariff/new", data=fields)


def confirm_fields(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    return form_fields(response.get_data(as_text=True), "/office/tariff/confirm")


def new_version(admin, changes: dict[str, str], valid_from) -> FeeSchedule:
    fields = confirm_fields(edit_page(admin, changes, valid_from))
    r = admin.client.post("/office/tariff/confirm", data=fields)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return db.session.scalar(select(FeeSchedule).where(FeeSchedule.valid_from == valid_from))


def tomorrow():
    return office_today() + timedelta(days=1)


def test_admin_sees_the_versions_and_a_versions_rules(admin, tariff, users):
    listing = admin.get("/office/tariff").get_data(as_text=True)
    assert "Demo IPO tariff of fees" in listing and "In force" in listing
    assert f'>{len(tariff.rules)}</td>' in listing
    page = admin.get(f"/office/tariff/{tariff.id}").get_data(as_text=True)
    assert "Trademark · Application" in page and "Trademark · Renewal" in page
    assert "<code>TM-APP</code>" in page and "Trademark application fee (including 1 class)" in page
    assert page.index("Trademark · Application") < page.index("All kinds · Application")
    # In the reader's language, falling back to English where the tariff has no name in it.
    tariff.rules[1].names = {"en": "Each class beyond the first (English only)"}
    users["admin"].locale = "fr"
    db.session.commit()
    page = admin.get(f"/office/tariff/{tariff.id}").get_data(as_text=True)
    assert "Taxe de dépôt d&#39;une demande d&#39;enregistrement de marque" in page
    assert "Each class beyond the first (English only)" in page


def test_a_scheduled_version_is_listed_as_scheduled(admin, tariff):
    new_version(admin, {"TM-APP": "500000"}, tomorrow())
    listing = admin.get("/office/tariff").get_data(as_text=True)
    assert "Tariff of next year" in listing and "Scheduled" in listing and "In force" in listing


@pytest.mark.parametrize("role", ["staff", "agent", "applicant"])
def test_other_roles_get_404(app, users, tariff, role):
    web = Browser(app.test_client())
    web.login(f"{role}@example.org")
    for url in ("/office/tariff", f"/office/tariff/{tariff.id}", "/office/tariff/new",
                "/office/tariff/upload", "/office/tariff/preview?filing=1",
                f"/office/tariff/{tariff.id}/delete", f"/office/tariff/{tariff.id}/tariff.json"):
        assert web.get(url).status_code == 404, url
    page = "/office/" if role == "staff" else "/account"
    for url in ("/office/tariff/confirm", f"/office/tariff/{tariff.id}/delete"):
        assert web.submit(url, {"proposal": "x"}, page=page).status_code == 404, url
    assert versions() == 1


def test_a_version_starting_tomorrow_does_not_change_todays_fees(app, admin, agent, tariff,
                                                                  users, monkeypatch):
    import payments.fees
    from payments.cart import cart_lines

    fill_cart(agent, ("trademark",))
    today_total = cart_lines(users["agent"])[0].quote.total
    new_version(admin, {"TM-APP": "500000"}, tomorrow())
    assert versions() == 2
    assert cart_lines(users["agent"])[0].quote.total == today_total
    monkeypatch.setattr(payments.fees, "office_today", tomorrow)  # the day after
    assert cart_lines(users["agent"])[0].quote.total == today_total + 100000


def test_orders_keep_their_frozen_fees_after_a_new_version(app, admin, agent, tariff, deposit,
                                                         monkeypatch):
    import payments.fees

    fill_cart(agent, ("trademark",))
    order = db.session.get(Order, order_id_of(checkout(agent, "deposit_account")))
    assert order.state is OrderState.PAID
    frozen = [(f.code, f.amount) for f in order.items[0].fees]
    total = order.total
    new_version(admin, {"TM-APP": "500000"}, tomorrow())
    start = tomorrow()
    monkeypatch.setattr(payments.fees, "office_today", lambda: start)
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert [(f.code, f.amount) for f in order.items[0].fees] == frozen and order.total == total
    filing = order.items[0].filing
    assert calculate_fees(filing).total == total + 100000  # the new version is in force
    assert dict(frozen)["TM-APP"] == Decimal("400000")


def test_nothing_is_written_before_the_confirmation(admin, tariff):
    r = edit_page(admin, {"TM-APP": "500000", "RED-50": "40"}, tomorrow())
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Confirm the new version of the tariff" in page
    assert "2 differences with the version in force" in page
    assert "Amount changed" in page and "KHR400,000.00" in page and "KHR500,000.00" in page
    assert "Percent changed" in page
    assert versions() == 1 and not audits("tariff.version_created")
    fields = form_fields(page, "/office/tariff/confirm")
    forged = {**fields, "proposal": fields["proposal"][:-4] + "AAAA"}
    r = admin.client.post("/office/tariff/confirm", data=forged, follow_redirects=True)
    assert "nothing was created" in r.get_data(as_text=True) and versions() == 1
    r = admin.client.post("/office/tariff/confirm", data=fields)
    assert r.status_code == 302 and versions() == 2
    created = db.session.scalar(select(FeeSchedule).where(FeeSchedule.valid_from == tomorrow()))
    amounts = {rule.code: rule for rule in created.rules}
    assert amounts["TM-APP"].amount == Decimal("500000") and amounts["RED-50"].percent == 40
    assert len(created.rules) == len(tariff.rules)
    (entry,) = audits("tariff.version_created")
    assert entry.object_id == str(created.id)
    assert entry.details["before"]["id"] == tariff.id
    assert entry.details["after"]["valid_from"] == tomorrow().isoformat()
    assert entry.details["after"]["changed"] == {"TM-APP": {"amount": ["400000", "500000"]},
                                                 "RED-50": {"percent": ["50", "40"]}}
    assert entry.details["after"]["added"] == [] == entry.details["after"]["removed"]


def test_a_bad_amount_is_explained_and_what_was_typed_is_kept(admin, tariff):
    fields = form_fields(admin.get("/office/tariff/new").get_data(as_text=True),
                         "/office/tariff/new")
    row = row_of(fields, "TM-CLASS")
    fields.update(name="Next", valid_from=str(tomorrow()), **{
        f"{row}-amount": "12,5x", f"{row_of(fields, 'PT-FIL')}-amount": "-3",
        f"{row_of(fields, 'PT-FIL')}-name": "Dépôt brevet (typed)"})
    r = admin.client.post("/office/tariff/new", data=fields)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Enter an amount in figures" in page
    assert 'value="12,5x"' in page
    fields[f"{row}-amount"] = "400000"
    r = admin.client.post("/office/tariff/new", data=fields)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "(PT-FIL): the amount must not be negative." in page
    assert 'value="Dépôt brevet (typed)"' in page and versions() == 1


@pytest.mark.parametrize("days", [0, -1])
def test_a_start_today_or_earlier_is_refused(admin, tariff, days):
    r = edit_page(admin, {"TM-APP": "500000"}, office_today() + timedelta(days=days))
    assert r.status_code == 422 and "The start date must be after today" in r.get_data(
        as_text=True)
    data = json.loads(TARIFF_FILE.read_text(encoding="utf-8"))
    data.update(name="Uploaded", valid_from=(office_today() + timedelta(days=days)).isoformat())
    r = upload(admin, data)
    assert r.status_code == 422 and "The start date must be after today" in r.get_data(
        as_text=True)
    assert versions() == 1 and not audits("tariff.version_created")


def upload(admin, data, **extra):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return admin.submit("/office/tariff/upload", {"file": (io.BytesIO(raw), "tariff.json"),
                                                  **extra},
                        content_type="multipart/form-data")


def test_an_invalid_upload_names_each_rule_and_writes_nothing(admin, tariff):
    data = json.loads(TARIFF_FILE.read_text(encoding="utf-8"))
    data.update(name="Broken", valid_from=tomorrow().isoformat())
    data["rules"][1]["amount"] = "-5"
    data["rules"][3]["kind"] = "plant_variety"
    data["rules"][4]["amount"] = True
    data["rules"].append(dict(data["rules"][0]))
    r = upload(admin, data)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Rule 2 (TM-CLASS): the amount must not be negative." in page
    assert "Rule 4 (PT-FIL): the kind must be one of" in page
    assert "Rule 5 (PT-CLAIM): the amount must be an exact number" in page
    assert f"Rule {len(data['rules'])} (TM-APP): another rule has the same code." in page
    r = upload(admin, b'{"name": "x", "rules": [}')
    assert r.status_code == 422 and "The file is not valid JSON (line 1, column 25" in r.get_data(
        as_text=True)
    assert versions() == 1 and not audits("tariff.version_created")


def test_an_uploaded_file_adds_and_removes_fees(admin, tariff):
    data = json.loads(admin.get(f"/office/tariff/{tariff.id}/tariff.json").get_data(as_text=True))
    assert data["rules"][0] == {**data["rules"][0], "code": "TM-APP", "amount": "400000"}
    removed = data["rules"].pop(2)["code"]
    data["rules"].append({"code": "TM-EXPRESS", "kind": "trademark", "rule": "if_flag",
                          "item": "express", "amount": 250000.5, "names": {"en": "Express"}})
    data["rules"][0]["amount"] = 450000
    data["name"] = "Uploaded tariff"
    r = upload(admin, json.dumps(data).encode(), valid_from=str(tomorrow()))
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "3 differences with the version in force" in page
    assert "Added" in page and "Removed" in page and removed in page and "Express" in page
    assert versions() == 1
    r = admin.client.post("/office/tariff/confirm", data=form_fields(page,
                                                                     "/office/tariff/confirm"))
    assert r.status_code == 302 and versions() == 2
    (entry,) = audits("tariff.version_created")
    after = entry.details["after"]
    assert after["name"] == "Uploaded tariff" and after["added"] == ["TM-EXPRESS"]
    assert after["removed"] == [removed]
    assert after["changed"] == {"TM-APP": {"amount": ["400000", "450000"]}}
    created = db.session.get(FeeSchedule, int(entry.object_id))
    assert {r.code: r.amount for r in created.rules}["TM-EXPRESS"] == Decimal("250000.50")


def test_the_confirmation_posted_twice_creates_one_version(admin, tariff):
    fields = confirm_fields(edit_page(admin, {"TM-APP": "500000"}, tomorrow()))
    first = admin.client.post("/office/tariff/confirm", data=fields)
    second = admin.client.post("/office/tariff/confirm", data=fields, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "This version had already been created." in second.get_data(as_text=True)
    assert versions() == 2 and len(audits("tariff.version_created")) == 1
    # Another version on the same day is refused, and what was proposed stays on the page.
    other = confirm_fields(edit_page(admin, {"TM-APP": "900000"}, tomorrow() + timedelta(1)))
    proposal = other["proposal"]
    db.session.scalar(select(FeeSchedule).where(
        FeeSchedule.valid_from == tomorrow())).valid_from = tomorrow() + timedelta(1)
    db.session.commit()
    r = admin.client.post("/office/tariff/confirm", data={**other, "proposal": proposal})
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "already starts on that day" in page
    assert 'value="900000"' in page and versions() == 2


def test_the_change_button_brings_the_proposal_back(admin, tariff):
    page = edit_page(admin, {"TM-APP": "512345"}, tomorrow()).get_data(as_text=True)
    fields = form_fields(page, "/office/tariff/new")
    assert fields["action"] == "change"
    r = admin.client.post("/office/tariff/new", data=fields)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'value="512345"' in page
    day = tomorrow()  # shown as an English reader types it
    assert f'value="{day.month}/{day.day}/{day.year}"' in page and versions() == 1


def test_a_scheduled_version_can_be_deleted_after_confirmation(admin, tariff):
    scheduled = new_version(admin, {"TM-APP": "500000"}, tomorrow())
    scheduled_id = scheduled.id
    page = admin.get(f"/office/tariff/{scheduled_id}").get_data(as_text=True)
    assert f"/office/tariff/{scheduled_id}/delete" in page
    page = admin.get(f"/office/tariff/{scheduled_id}/delete").get_data(as_text=True)
    assert "will not take over" in page and versions() == 2
    url = f"/office/tariff/{scheduled_id}/delete"
    r = admin.submit(url, page=url)
    assert r.status_code == 302 and versions() == 1
    assert db.session.get(FeeSchedule, scheduled_id) is None
    (entry,) = audits("tariff.version_deleted")
    assert entry.object_id == str(scheduled_id) and entry.details["after"] is None
    before = entry.details["before"]
    assert before["valid_from"] == tomorrow().isoformat()
    assert {r["code"]: r.get("amount") for r in before["rules"]}["TM-APP"] == "500000"
    token = csrf_token(admin.get("/office/tariff").get_data(as_text=True))
    again = admin.client.post(f"/office/tariff/{scheduled_id}/delete",
                              data={"csrf_token": token}, follow_redirects=True)
    assert "already been deleted" in again.get_data(as_text=True)
    assert len(audits("tariff.version_deleted")) == 1


def test_the_version_in_force_cannot_be_deleted(admin, tariff):
    page = admin.get(f"/office/tariff/{tariff.id}/delete").get_data(as_text=True)
    assert "cannot be deleted" in page and 'action="/office/tariff/' not in page
    r = admin.submit(f"/office/tariff/{tariff.id}/delete", page="/office/tariff",
                     follow=True)
    assert "cannot be deleted" in r.get_data(as_text=True)
    assert db.session.get(FeeSchedule, tariff.id) is not None
    assert not audits("tariff.version_deleted")


def test_the_preview_shows_the_total_under_each_version(admin, agent, tariff):
    filing_id = complete_draft(agent, "trademark")
    filing = db.session.get(Filing, filing_id)
    today_total = calculate_fees(filing).total
    new_version(admin, {"TM-APP": "500000"}, tomorrow())
    later_total = calculate_fees(filing, on=tomorrow()).total
    assert later_total == today_total + 100000
    page = admin.get(f"/office/tariff/preview?filing={filing_id}").get_data(as_text=True)
    assert "Demo IPO tariff of fees" in page and "Tariff of next year" in page
    assert f"KHR{today_total:,.2f}" in page and f"KHR{later_total:,.2f}" in page
    page = admin.get("/office/tariff/preview?filing=EF-TM-2099-999999").get_data(as_text=True)
    assert "No filing has the number EF-TM-2099-999999." in page
