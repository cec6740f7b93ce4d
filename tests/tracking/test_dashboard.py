"""The dashboard against a seeded portfolio: search in Latin and Khmer script, filters, sort,
pages, counters, CSV; a flat number of SQL statements; other users see nothing of it."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event, select, text

from portal.clients.models import Client
from portal.demo_filings import seed_filings
from portal.extensions import db
from portal.filings.models import Filing
from tests.conftest import is_postgres


@pytest.fixture
def portfolio(app, users, statuses):
    seed_filings(users["agent"], 300, seed=7, delivered=0.85)
    db.session.commit()
    return users["agent"]


def numbers_on(page: str) -> list[str]:
    import re

    return re.findall(r">(EF-[A-Z]{2}-\d{4}-\d{6})</a>", page)


def test_search_in_latin_and_khmer_script(agent, portfolio):
    khmer = db.session.scalar(select(Filing.title).where(Filing.title.like("% %"),
                                                         Filing.title.op(">")("\u1780"))
                              .order_by(Filing.id).limit(1))
    word = khmer.split()[0]
    expected = db.session.scalar(select(db.func.count(Filing.id)).where(
        Filing.search_text.contains(word)))
    page = agent.get(f"/dashboard?q={word}").get_data(as_text=True)
    assert f"{expected} filing" in page and expected > 0
    # what is searched: title, names in both scripts, numbers (a Khmer word of a title may
    # also be part of an owner's Khmer name)
    found = list(db.session.scalars(select(Filing.search_text).where(
        Filing.portal_number.in_(numbers_on(page)))))
    assert found and all(word.lower() in t for t in found)
    # Latin: case does not matter; the names of owners, numbers and references are searched
    page = agent.get("/dashboard?q=mekong TRADING").get_data(as_text=True)
    owners = set(db.session.scalars(select(Filing.applicant_names).where(
        Filing.portal_number.in_(numbers_on(page)))))
    assert owners == {"Mekong Trading Co., Ltd."}
    one = db.session.scalar(select(Filing).where(Filing.office_number.is_not(None)).limit(1))
    page = agent.get(f"/dashboard?q={one.office_number.lower()}").get_data(as_text=True)
    assert numbers_on(page) == [one.portal_number]
    assert numbers_on(agent.get(f"/dashboard?q={one.reference}").get_data(as_text=True))
    # a search that finds nothing, and one with LIKE's wildcards taken literally
    assert "0 filings" in agent.get("/dashboard?q=zzzz").get_data(as_text=True)
    assert "0 filings" in agent.get("/dashboard?q=%25_").get_data(as_text=True)


def test_filters_sort_and_pages(agent, portfolio):
    patents = agent.get("/dashboard?kind=patent&sort=portal_number").get_data(as_text=True)
    total = db.session.scalar(select(db.func.count(Filing.id)).where(Filing.kind == "patent"))
    assert f"{total} filings" in patents
    assert all(n.startswith(("EF-PT", "EF-RQ")) for n in numbers_on(patents))
    assert numbers_on(patents) == sorted(numbers_on(patents))
    renewals = agent.get("/dashboard?type=renewal").get_data(as_text=True)
    assert set(db.session.scalars(select(Filing.filing_type).where(
        Filing.portal_number.in_(numbers_on(renewals))))) == {"renewal"}
    registered = agent.get("/dashboard?status=office:registered").get_data(as_text=True)
    assert set(db.session.scalars(select(Filing.office_status).where(
        Filing.portal_number.in_(numbers_on(registered))))) == {"registered"}
    assert "Registered or granted" in registered
    undelivered = db.session.scalar(select(db.func.count(Filing.id)).where(
        Filing.delivered_at.is_(None)))
    assert f"{undelivered} filings" in agent.get("/dashboard?status=accepted").get_data(
        as_text=True)
    # pages: stable order, no filing twice, every filing once
    seen = []
    for page in range(1, 7):
        seen += numbers_on(agent.get(f"/dashboard?page={page}").get_data(as_text=True))
    assert len(seen) == len(set(seen)) == 300
    # dates: the filings submitted in a range
    day = db.session.scalar(select(Filing.submitted_at).order_by(Filing.id).limit(1)).date()
    ranged = agent.get(f"/dashboard?date_from={day}&date_to={day}").get_data(as_text=True)
    assert numbers_on(ranged)
    # a filter the form refuses is ignored, not an error
    assert agent.get("/dashboard?kind=spaceship&date_from=yesterday").status_code == 200


def test_client_filter(agent, portfolio, users):
    client = Client(firm_id=users["agent"].firm_id, kind="entity", name="Lotus Foods Plc",
                    address="3 Road, Phnom Penh", country="KH")
    db.session.add(client)
    db.session.flush()
    ids = list(db.session.scalars(select(Filing.id).limit(3)))
    db.session.execute(db.update(Filing).where(Filing.id.in_(ids)).values(client_id=client.id))
    db.session.commit()
    page = agent.get(f"/dashboard?client={client.id}").get_data(as_text=True)
    assert "3 filings" in page and "Lotus Foods Plc" in page


def test_counters_and_csv_export(agent, portfolio):
    page = agent.get("/dashboard").get_data(as_text=True)
    assert "Coming up" in page  # notifications with responses due, renewals
    r = agent.get("/dashboard/filings.csv?kind=trademark")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    total = db.session.scalar(select(db.func.count(Filing.id)).where(Filing.kind == "trademark"))
    assert rows[0][0] == "Portal number" and len(rows) == total + 1
    assert {row[2] for row in rows[1:]} == {"Trademark"}


def test_another_user_sees_nothing_of_the_portfolio(applicant, portfolio):
    page = applicant.get("/dashboard?q=mekong").get_data(as_text=True)
    assert "0 filings" in page
    rows = applicant.get("/dashboard/filings.csv").get_data(as_text=True).splitlines()
    assert len(rows) == 1
    some = db.session.scalar(select(Filing.id).limit(1))
    assert applicant.get(f"/filings/{some}").status_code == 404


def statements(web, url: str) -> int:
    count = [0]

    def listener(*args):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert web.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return count[0]


def test_a_page_costs_the_same_statements_for_10_and_1000_filings(agent, users, statuses):
    seed_filings(users["agent"], 10, seed=1, delivered=0.85)
    db.session.commit()
    agent.get("/dashboard")  # warm up (office, statuses)
    small = statements(agent, "/dashboard"), statements(agent, "/dashboard?q=a&kind=trademark")
    seed_filings(users["agent"], 990, seed=2, delivered=0.85)
    db.session.commit()
    large = statements(agent, "/dashboard"), statements(agent, "/dashboard?q=a&kind=trademark")
    assert small == large, (small, large)
    assert large[0] <= 14  # user, office, statuses, clients, count, rows, counters,
    # upcoming (3), unread, and the savepoint pair of the test client


@pytest.mark.skipif(not is_postgres(), reason="EXPLAIN of PostgreSQL's plans")
def test_postgres_serves_the_list_and_the_search_from_indexes(agent, portfolio, users):
    db.session.execute(text("ANALYZE filings"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    listing = "\n".join(db.session.scalars(text(
        "EXPLAIN SELECT id FROM filings WHERE firm_id = :firm "
        "ORDER BY last_event_at DESC, id DESC LIMIT 50"), {"firm": users["agent"].firm_id}))
    assert "ix_filings_firm_activity" in listing, listing
    search = "\n".join(db.session.scalars(text(
        "EXPLAIN SELECT id FROM filings WHERE search_text LIKE '%mekong%'")))
    assert "ix_filings_search_trgm" in search, search


def test_seed_demo_filings_on_the_command_line(app, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-for-tests-1")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--filings", "120"])
    assert result.exit_code == 0, result.output
    assert "120 accepted filings for agent@example.org" in result.output
    assert "demo-pass-for-tests-1" in result.output
    from portal.backoffice.models import OutboxMessage

    assert db.session.scalar(select(db.func.count(Filing.id)).where(
        Filing.status == "accepted")) == 120
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 120
    numbers = list(db.session.scalars(select(Filing.portal_number)))
    assert len(set(numbers)) == 120
