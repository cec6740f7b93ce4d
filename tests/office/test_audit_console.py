"""The audit log in the office console: filters (the office's days), keyset pages, the streamed
CSV export with its guard against formulas, read-only pages, and the security events behind it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Generator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from portal.audit import AuditEntry
from portal.extensions import db
from portal.office.audit_log import PAGE_SIZE
from tests.conftest import PASSWORD, Browser, csrf_token

T0 = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def entry(action="test.thing", *, at=T0, user=None, actor=None, obj=None, ip="192.0.2.1",
          **details) -> AuditEntry:
    row = AuditEntry(action=action, at=at, user_id=user.id if user else None,
                     actor=actor or (user.email if user else None), ip=ip, details=details,
                     object_type=obj[0] if obj else None, object_id=obj[1] if obj else None)
    db.session.add(row)
    return row


@pytest.fixture
def staff(app, users):
    web = Browser(app.test_client())
    web.login("staff@example.org")
    return web


def markers(html: str) -> list[str]:
    """The `marker` details shown on the page, in page order."""
    return re.findall(r"marker: (m-[\w-]+)", html)


def test_staff_filter_by_who_action_and_object(app, users, staff):
    entry("payment.transfer_confirmed", user=users["staff"], obj=("Payment", "7"),
          marker="m-staff-payment7", before="pending", after="confirmed")
    entry("payment.transfer_confirmed", user=users["admin"], obj=("Payment", "8"),
          marker="m-admin-payment8")
    entry("login.failed", actor="nobody@elsewhere.example", marker="m-unknown", reason="unknown")
    entry("deposit.top_up", user=users["staff"], obj=("DepositAccount", "3"),
          marker="m-staff-topup")
    db.session.commit()

    page = staff.get("/office/audit").get_data(as_text=True)
    assert {"m-staff-payment7", "m-admin-payment8", "m-unknown", "m-staff-topup"} <= set(
        markers(page))
    assert "pending → confirmed" in page and "Bank transfer confirmed" in page

    page = staff.get("/office/audit?user=STAFF@exam").get_data(as_text=True)
    assert {"m-staff-payment7", "m-staff-topup"} <= set(markers(page))
    assert "m-admin-payment8" not in page and "m-unknown" not in page
    page = staff.get("/office/audit?user=elsewhere").get_data(as_text=True)
    assert markers(page) == ["m-unknown"]  # an address without an account: its actor
    page = staff.get("/office/audit?user=%25").get_data(as_text=True)
    assert markers(page) == []  # % is a character, not a wildcard

    page = staff.get("/office/audit?action=payment.transfer_confirmed").get_data(as_text=True)
    assert sorted(markers(page)) == ["m-admin-payment8", "m-staff-payment7"]
    assert '<option selected value="payment.transfer_confirmed">' in page

    page = staff.get("/office/audit?object=Payment").get_data(as_text=True)
    assert sorted(markers(page)) == ["m-admin-payment8", "m-staff-payment7"]
    page = staff.get("/office/audit?object=Payment:8").get_data(as_text=True)
    assert markers(page) == ["m-admin-payment8"]
    assert 'value="Payment:8"' in page  # the filter keeps its value

    page = staff.get("/office/audit?user=staff%40&action=deposit.top_up").get_data(as_text=True)
    assert markers(page) == ["m-staff-topup"]


def test_the_action_select_offers_the_actions_present(app, users, staff):
    entry("payment.refunded", user=users["staff"], marker="m-1")
    entry("tariff.some_future_action", user=users["admin"], marker="m-2")
    db.session.commit()
    page = staff.get("/office/audit").get_data(as_text=True)
    select_html = page[page.index('<select id="action"'):page.index("</select>")]
    options = re.findall(r'<option[^>]*value="([^"]*)">([^<]*)</option>', select_html)
    assert ("payment.refunded", "Refund made") in options
    assert ("tariff.some_future_action", "tariff.some_future_action") in options  # no label
    assert ("login.succeeded", "Logged in") in options  # the staff member's own login
    assert ("deposit.top_up", "Deposit account credited") not in options  # none in the log


def test_bad_filters_are_explained_and_kept(app, users, staff):
    entry(marker="m-1")
    db.session.commit()
    page = staff.get("/office/audit?object=Order%2012!&date_from=2026-02-31"
                     "&action=no.such&user=kept%40example").get_data(as_text=True)
    assert "Write a type, or a type and a number" in page
    assert "Enter a real date" in page and "Choose one of the options offered." in page
    assert 'value="Order 12!"' in page and 'value="2026-02-31"' in page
    assert 'value="kept@example"' in page
    page = staff.get("/office/audit?date_from=2026-03-10&date_to=2026-03-09").get_data(
        as_text=True)
    assert "The last day comes before the first." in page


def test_dates_are_the_offices_days_both_inclusive(app, users, staff):
    # The office is in Phnom Penh (UTC+7): its 10 March runs from 9 March 17:00 UTC.
    entry(at=datetime(2026, 3, 9, 16, 59, 59, tzinfo=UTC), marker="m-9th-late")
    entry(at=datetime(2026, 3, 9, 17, 0, tzinfo=UTC), marker="m-10th-first")
    entry(at=datetime(2026, 3, 10, 16, 59, 59, tzinfo=UTC), marker="m-10th-last")
    entry(at=datetime(2026, 3, 10, 17, 0, tzinfo=UTC), marker="m-11th-first")
    db.session.commit()
    wanted = "action=test.thing"
    page = staff.get(f"/office/audit?{wanted}&date_from=2026-03-10&date_to=2026-03-10")
    assert markers(page.get_data(as_text=True)) == ["m-10th-last", "m-10th-first"]
    page = staff.get(f"/office/audit?{wanted}&date_from=2026-03-10").get_data(as_text=True)
    assert markers(page) == ["m-11th-first", "m-10th-last", "m-10th-first"]
    page = staff.get(f"/office/audit?{wanted}&date_to=2026-03-09").get_data(as_text=True)
    assert markers(page) == ["m-9th-late"]
    assert re.search(r"Mar 10, 2026, 12:00:00\W+AM", staff.get(
        f"/office/audit?{wanted}&date_from=2026-03-10&date_to=2026-03-10").get_data(as_text=True))


def test_pages_go_newest_first_without_gaps_and_back(app, users, staff):
    total = 2 * PAGE_SIZE + 7
    for n in range(total):  # pairs share a time: the id breaks the tie
        entry("test.bulk", at=T0 + timedelta(seconds=n // 2), marker=f"m-{n:03d}")
    entry("test.other", at=T0 + timedelta(days=1), marker="m-other")
    db.session.commit()
    expected = [f"m-{n:03d}" for n in reversed(range(total))]
    seen, url, pages = [], "/office/audit?action=test.bulk", []
    while url:
        html = staff.get(url).get_data(as_text=True)
        pages.append(html)
        seen += markers(html)
        assert 'value="test.bulk"' in html or "selected" in html
        older = re.search(r'href="([^"]+)" rel="next"', html)
        url = older.group(1).replace("&amp;", "&") if older else None
        if url:
            assert "action=test.bulk" in url
    assert seen == expected and len(pages) == 3
    assert 'rel="prev"' not in pages[0] and 'rel="prev"' in pages[2]
    newer = re.search(r'href="([^"]+)" rel="prev"', pages[2]).group(1).replace("&amp;", "&")
    back = staff.get(newer).get_data(as_text=True)
    assert markers(back) == expected[PAGE_SIZE:2 * PAGE_SIZE]
    newer = re.search(r'href="([^"]+)" rel="prev"', back).group(1).replace("&amp;", "&")
    first = staff.get(newer).get_data(as_text=True)
    assert markers(first) == expected[:PAGE_SIZE] and 'rel="prev"' not in first
    newest = db.session.scalar(select(func.max(AuditEntry.id)).where(
        AuditEntry.action == "test.bulk"))
    for odd in ("before=99999999999", "after=-1", "before=x", "after=0", f"after={newest}"):
        assert markers(staff.get(f"/office/audit?action=test.bulk&{odd}").get_data(
            as_text=True)) == expected[:PAGE_SIZE]


def test_a_page_reads_a_fixed_number_of_queries_however_many_users(app, users, staff):
    from tests.conftest import make_user

    for n in range(30):
        who = make_user(f"user{n}@example.org")
        entry("test.many", user=who, obj=("User", str(who.id)), marker=f"m-{n}")
    db.session.commit()
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = staff.get("/office/audit?action=test.many").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(markers(page)) == 30 and "user29@example.org" in page
    assert len(statements) < 12, statements


def test_objects_link_to_their_console_pages_and_details_are_escaped(app, users, staff):
    entry("payment.refunded", user=users["staff"], obj=("Order", "12"), marker="m-order",
          note="<script>alert(1)</script>")
    entry("delivery.replay", user=users["staff"], obj=("OutboxMessage", "5"), marker="m-out")
    entry("test.thing", obj=("Order", "javascript:alert(1)"), marker="m-bad")
    entry("tariff.changed", user=users["admin"], obj=("Tariff", "2"), marker="m-tariff",
          before={"amount": "100", "currency": "KHR"}, after={"amount": "120", "currency": "KHR"})
    db.session.commit()
    page = staff.get("/office/audit").get_data(as_text=True)
    assert '<a href="/office/orders/12">Order:12</a>' in page
    assert '<a href="/office/deliveries/5">OutboxMessage:5</a>' in page
    assert "Order:javascript:alert(1)" in page and 'href="javascript' not in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "amount: 100 → 120" in page and "currency:" not in page


def test_a_users_page_is_linked_for_administrators_only(app, users, staff):
    agent = users["agent"]
    entry("account.disabled", user=users["admin"], obj=("User", str(agent.id)), marker="m-1",
          before={"active": True}, after={"active": False})
    db.session.commit()
    page = staff.get("/office/audit?action=account.disabled").get_data(as_text=True)
    assert f"User:{agent.id}" in page and "/office/users/" not in page
    assert "active: true → false" in page
    admin = Browser(app.test_client())
    admin.login("admin@example.org")
    page = admin.get("/office/audit?action=account.disabled").get_data(as_text=True)
    assert f'<a href="/office/users/{agent.id}">User:{agent.id}</a>' in page
    assert f'<a href="/office/users/{users["admin"].id}">admin@example.org</a>' in page


def export(web, query=""):
    # Buffered: the test client reads the stream while the request's contexts still stand.
    return web.get(f"/office/audit.csv{query}", buffered=True)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_has_the_filtered_rows_streamed_with_a_bom_and_no_formulas(app, users, staff):
    entry("test.csv", user=users["staff"], obj=("Order", "12"), ip="203.0.113.9",
          at=datetime(2026, 3, 9, 17, 30, tzinfo=UTC), before="pending", after="paid")
    entry("test.csv", actor="=HYPERLINK(\"http://evil.example\",\"x\")",
          at=datetime(2026, 3, 9, 18, 0, tzinfo=UTC), note="+1", who="-2", at_sign="@SUM(A1)")
    entry("test.csv", actor="@evil", obj=("-Order", "+1"),
          at=datetime(2026, 3, 8, 1, 0, tzinfo=UTC))
    entry("test.other", user=users["staff"], marker="m-not-exported")
    db.session.commit()
    response = export(staff, "?action=test.csv&date_from=2026-03-10")
    assert response.mimetype == "text/csv" and "attachment" in response.headers[
        "Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Time", "Actor", "User email", "Action", "Object type", "Object id",
                       "IP address", "Details"]
    assert len(rows) == 3  # the 8 March row is before the first day
    newest, older = rows[1], rows[2]
    assert newest[0] == "2026-03-10T01:00:00+07:00"
    assert newest[1] == "'=HYPERLINK(\"http://evil.example\",\"x\")" and newest[2] == ""
    assert newest[7] == '{"at_sign": "@SUM(A1)", "note": "+1", "who": "-2"}'
    assert older == ["2026-03-10T00:30:00+07:00", "staff@example.org", "staff@example.org",
                     "test.csv", "Order", "12", "203.0.113.9",
                     '{"after": "paid", "before": "pending"}']
    rows = csv_rows(export(staff, "?user=evil&date_to=2026-03-08"))
    assert rows[1][1] == "'@evil" and rows[1][4:6] == ["'-Order", "'+1"]
    # Unfiltered: every entry, the staff member's own login among them.
    rows = csv_rows(export(staff))
    assert len(rows) - 1 == db.session.query(AuditEntry).count()


def test_the_csv_is_read_in_batches(app, users, staff, monkeypatch):
    from portal.office import audit_log

    monkeypatch.setattr(audit_log, "CSV_BATCH", 7)
    for n in range(23):
        entry("test.batch", at=T0 + timedelta(seconds=n // 3), marker=f"m-{n:03d}")
    db.session.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        if "FROM audit_log" in statement and "RECURSIVE" not in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = csv_rows(export(staff, "?action=test.batch"))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert [r[7] for r in rows[1:]] == [f'{{"marker": "m-{n:03d}"}}' for n in reversed(range(23))]
    assert len(statements) == 4  # 7 + 7 + 7 + 2


def test_the_csv_is_a_stream_from_a_generator(app, users):
    from flask_login import login_user

    from portal.office.audit_views import export as export_view

    entry("test.stream", actor="-1+1", marker="m-1")
    db.session.commit()
    with app.test_request_context("/office/audit.csv?action=test.stream"):
        login_user(users["staff"])
        response = export_view()
        assert response.is_streamed and isinstance(response.response, Generator)
        text = response.get_data(as_text=True)
    assert text.startswith("\ufeffTime,") and "'-1+1" in text


@pytest.mark.parametrize("url", ["/office/audit", "/office/audit.csv"])
def test_the_log_is_read_only(app, users, staff, url):
    entry(marker="m-1")
    db.session.commit()
    token = csrf_token(staff.get("/office/audit").get_data(as_text=True))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = staff.client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code in (404, 405), (method, response.status_code)
    editing = [rule.rule for rule in app.url_map.iter_rules()
               if "audit" in rule.rule and rule.methods - {"GET", "HEAD", "OPTIONS"}]
    assert editing == []
    assert db.session.query(AuditEntry).filter_by(action="test.thing").count() == 1


@pytest.mark.parametrize("url", ["/office/audit", "/office/audit.csv?action=login.succeeded"])
def test_the_log_is_for_office_staff_only(app, users, url):
    for email in ("applicant@example.org", "agent@example.org"):
        other = Browser(app.test_client())
        other.login(email)
        assert other.get(url, buffered=True).status_code == 404
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    admin = Browser(app.test_client())
    admin.login("admin@example.org")
    assert admin.get(url, buffered=True).status_code == 200


def rows_of(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def test_logins_logouts_and_passwords_are_in_the_log(app, users, staff):
    web = Browser(app.test_client())
    web.login("applicant@example.org", "wrong-password-here")
    web.login("applicant@example.org")
    web.submit("/account/password", {"current": PASSWORD, "password": "new-amber-kettle-lute",
                                     "confirm": "new-amber-kettle-lute"})
    web.logout()
    page = staff.get("/office/audit?user=applicant%40").get_data(as_text=True)
    for label in ("Login failed", "Logged in", "Password changed", "Logged out"):
        assert label in page
    assert "reason: password" in page and "new-amber" not in page and PASSWORD not in page


def test_too_many_logins_for_one_account_are_audited_once_a_minute(app, users, staff):
    web = Browser(app.test_client())
    for _ in range(5):
        assert web.login("applicant@example.org", "wrong-password-here").status_code == 200
    refused = web.login("applicant@example.org", "wrong-password-here")
    assert refused.status_code == 429
    assert "You have tried this too many times" in refused.get_data(as_text=True)
    assert web.login("applicant@example.org", "wrong-password-here").status_code == 429
    [row] = rows_of("login.rate_limited")
    assert row.user_id == users["applicant"].id and row.object_type == "User"
    assert row.details == {"by": "account", "limit": "5 per 1 minute"}
    assert row.ip == "127.0.0.1"
    assert len(rows_of("login.failed")) == 5  # the refused tries never reached the password
    page = staff.get("/office/audit?action=login.rate_limited").get_data(as_text=True)
    assert "Login refused: too many attempts" in page and "applicant@example.org" in page


def test_too_many_logins_from_one_address_are_audited(app, users):
    web = Browser(app.test_client())
    for n in range(10):
        assert web.login(f"guess{n}@example.org", "whatever-it-is").status_code == 200
    assert web.login("guess10@example.org", "whatever-it-is").status_code == 429
    [row] = rows_of("login.rate_limited")
    assert row.user_id is None and row.actor == "guess10@example.org"
    assert row.details == {"by": "address", "limit": "10 per 1 minute"}


def test_too_many_password_resets_are_audited(app, users):
    web = Browser(app.test_client())
    for _ in range(5):
        web.submit("/password/forgot", {"email": "agent@example.org"})
    assert web.submit("/password/forgot", {"email": "agent@example.org"}).status_code == 429
    [row] = rows_of("password.reset_rate_limited")
    assert row.user_id == users["agent"].id
    assert row.details == {"by": "address", "limit": "5 per 1 minute"}
    assert len(rows_of("password.reset_requested")) == 5
