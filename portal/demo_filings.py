"""`seed-demo --filings N`: a portfolio of N accepted filings for the demo agent, in bulk.

Mixed kinds (trademarks, patents, designs, utility models) and types (applications and
requests), with parties in Latin and Khmer script, a document each (metadata pointing at one
stored PDF), orders with frozen fees and a payment, events, the office's numbers and statuses,
notifications with response deadlines, and an outbox row each. Rows are written with bulk
INSERTs in batches, so that 20,000 filings take seconds; it is for demos, load tests and
delivery tests, never for production (seed-demo refuses to run there).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from payments.fees import office_today
from payments.models import NumberSequence, Order, OrderFee, OrderItem, Payment
from portal.auth.models import User
from portal.backoffice.models import OutboxMessage
from portal.documents.models import Document
from portal.documents.storage import get_storage
from portal.extensions import db
from portal.filings.models import KIND_CODES, Filing, FilingEvent
from portal.timeutil import utcnow
from portal.tracking.models import Notification

BATCH = 1000
KINDS = ["trademark"] * 5 + ["patent"] * 2 + ["design"] * 2 + ["utility_model"]
REQUEST_SHARE = 0.15
REQUESTS = {"trademark": ["renewal", "change_name_address", "assignment", "licence"],
            "design": ["renewal", "assignment"], "patent": ["annuity", "examination"],
            "utility_model": ["annuity"]}
WORDS = ["Mekong", "Angkor", "Lotus", "Golden", "Royal", "River", "Jasmine", "Apsara", "Tiger",
         "Kampot", "Bayon", "Naga", "Silk", "Palm", "Star", "Rice", "Coconut", "Phoenix"]
KHMER = ["មេគង្គ", "អង្គរ", "ឈូក", "មាស", "រាជ", "ទន្លេ", "ម្លិះ", "អប្សរា", "ខ្លា", "កំពត"]
INVENTIONS = ["water filter", "rice dryer", "solar pump", "fish trap", "brick press",
              "cooking stove", "irrigation valve", "bamboo joint"]
PEOPLE = [("Sokha Chan", "សុខា ចាន់"), ("Dara Pich", "ដារ៉ា ពេជ្រ"), ("Lina Sok", "លីណា សុខ"),
          ("Vanna Keo", "វណ្ណា កែវ"), ("Bopha Lim", "បុប្ផា លឹម"), ("Rithy Meas", "ឫទ្ធី មាស")]
COMPANIES = [("Mekong Trading Co., Ltd.", "ក្រុមហ៊ុន មេគង្គ ត្រេឌីង"),
             ("Angkor Brew Co., Ltd.", "ក្រុមហ៊ុន អង្គរ ប៊្រូ"),
             ("Lotus Foods Plc", "ក្រុមហ៊ុន ឡូតុស ហ្វូដ")]
STATUSES = {"application": ["received", "formality_examination", "published",
                            "substantive_examination", "registered", "refused"],
            "request": ["received", "recorded", "request_refused"]}


def reserve(name: str, count: int) -> int:
    """Reserve `count` consecutive numbers of a sequence; returns the first."""
    insert_ = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert_(NumberSequence).values(name=name, last=0)
                       .on_conflict_do_nothing(index_elements=["name"]))
    last = db.session.execute(update(NumberSequence).where(NumberSequence.name == name)
                              .values(last=NumberSequence.last + count)
                              .returning(NumberSequence.last)).scalar_one()
    return last - count + 1


def seed_filings(agent: User, n: int, *, seed: int = 2026, delivered: float = 0.0,
                 progress: Callable[[int], None] | None = None) -> int:
    """Create `n` accepted filings owned by `agent`; returns how many were made.

    With `delivered` 0 (the default) every one has a due outbox row, for the connector to
    deliver; a share between 0 and 1 makes that share look delivered long ago, with the office's
    statuses and some notifications (a docket with a history, for the dashboard)."""
    rng = random.Random(seed)
    today = office_today()
    year = today.year
    storage_key = get_storage().put(_demo_pdf(), suffix=".pdf")
    made = 0
    while made < n:
        count = min(BATCH, n - made)
        _batch(agent, rng, count, year, today, storage_key, delivered)
        made += count
        if progress:
            progress(made)
    return made


def _batch(agent, rng, count, year, today, storage_key, delivered) -> None:
    now = utcnow()
    specs = [_spec(rng, today, delivered) for _ in range(count)]
    firsts = {code: reserve(f"EF-{code}:{year}", sum(1 for s in specs if s["code"] == code))
              for code in {s["code"] for s in specs}}
    seq = reserve("accepted", count)
    for offset, spec in enumerate(specs):
        spec["portal_number"] = f"EF-{spec['code']}-{year}-{firsts[spec['code']]:06d}"
        spec["seq"] = seq + offset
        firsts[spec["code"]] += 1
    filing_rows = [_filing_row(agent, spec, now) for spec in specs]
    ids = _insert(Filing, filing_rows, returning=True)
    _orders(agent, specs, ids, year, now)
    events, outbox, documents, notifications = [], [], [], []
    for filing_id, spec, row in zip(ids, specs, filing_rows, strict=True):
        accepted = row["accepted_at"]
        events += [
            {"filing_id": filing_id, "at": accepted - timedelta(minutes=5), "kind": "submitted",
             "actor_id": agent.id, "data": {"order": spec["order"]}},
            {"filing_id": filing_id, "at": accepted, "kind": "paid", "data": {}},
            {"filing_id": filing_id, "at": accepted, "kind": "accepted",
             "data": {"portal_number": spec["portal_number"]}}]
        if row["delivered_at"]:
            events.append({"filing_id": filing_id, "at": row["office_status_at"],
                           "kind": "status", "external_id": f"demo-{row['uuid']}-status",
                           "data": {"status": row["office_status"],
                                    "office_number": row["office_number"]}})
        outbox.append({"filing_id": filing_id, "topic": "filing.accepted",
                       "state": "delivered" if row["delivered_at"] else "due",
                       "attempts": 1 if row["delivered_at"] else 0,
                       "next_attempt_at": accepted, "created_at": accepted,
                       "delivered_at": row["delivered_at"]})
        documents.append({"owner_id": agent.id, "firm_id": agent.firm_id,
                          "filing_id": filing_id, "slot": spec["slot"], "kind": spec["doc_kind"],
                          "filename": f"{spec['slot']}.pdf", "media_type": "application/pdf",
                          "size": 1100, "sha256": "0" * 64, "pages": 1,
                          "storage_key": storage_key, "created_at": accepted})
        if spec["notify"]:
            notifications.append({
                "filing_id": filing_id, "event_id": f"demo-{row['uuid']}-n1",
                "subject": "Notification of formal deficiencies",
                "body": "Please file the missing translation of the list of goods.",
                "response_due": spec["response_due"], "created_at": row["office_status_at"]})
    _insert(FilingEvent, events)
    _insert(OutboxMessage, outbox)
    _insert(Document, documents)
    _insert(Notification, notifications)


def _insert(model, rows: list[dict], *, returning: bool = False) -> list[int]:
    """Core INSERTs of uniform rows (every row the same keys: one multi-row statement per
    thousand rows), in the order given; the new ids when `returning`."""
    if not rows:
        return []
    keys = sorted({key for row in rows for key in row})
    rows = [{key: row.get(key) for key in keys} for row in rows]
    table = model.__table__
    if returning:
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(db.session.execute(stmt, rows).scalars())
    db.session.execute(insert(table), rows)
    return []


def _spec(rng: random.Random, today, delivered_share: float) -> dict:
    kind = rng.choice(KINDS)
    filing_type = (rng.choice(REQUESTS[kind]) if rng.random() < REQUEST_SHARE
                   else "application")
    delivered = rng.random() < delivered_share
    statuses = STATUSES["request" if filing_type != "application" else "application"]
    status = rng.choice(statuses) if delivered else None
    accepted = today - timedelta(days=rng.randint(1, 3650))
    person, company = rng.choice(PEOPLE), rng.choice(COMPANIES)
    owner = company if rng.random() < 0.6 else person
    if kind == "patent" or kind == "utility_model":
        title = f"{rng.choice(WORDS)} {rng.choice(INVENTIONS)}"
    elif rng.random() < 0.25:
        title = f"{rng.choice(KHMER)} {rng.choice(KHMER)}"
    else:
        title = f"{rng.choice(WORDS).upper()} {rng.choice(WORDS).upper()}"
    registered = status in ("registered", "recorded") and filing_type == "application"
    notify = delivered and rng.random() < 0.05
    return {
        "kind": kind, "filing_type": filing_type, "delivered": delivered, "status": status,
        "accepted": accepted, "owner": owner, "title": title, "registered": registered,
        "code": "RQ" if filing_type != "application" else KIND_CODES[kind],
        "slot": "mark_image" if kind == "trademark" else "description_pdf",
        "doc_kind": "other" if kind == "trademark" else "specification",
        "reference": f"D-{rng.randint(1, 999999):06d}", "fee": Decimal(rng.choice(
            ["400000", "800000", "600000", "300000", "100000"])),
        "notify": notify,
        "response_due": today + timedelta(days=rng.randint(5, 90)) if notify else None,
    }


def _filing_row(agent: User, spec: dict, now) -> dict:
    from datetime import UTC, datetime, time

    accepted = datetime.combine(spec["accepted"], time(9, 30), tzinfo=UTC)
    kind, code = spec["kind"], KIND_CODES[spec["kind"]]
    number = int(spec["portal_number"].rsplit("-", 1)[1])
    office_number = (f"{code}/{spec['accepted'].year}/{number:06d}" if spec["delivered"]
                     else None)
    registration = f"{code}-{number:06d}" if spec["registered"] else None
    expires = (spec["accepted"] + relativedelta(years=10 if kind == "trademark" else 5)
               if registration and kind in ("trademark", "design") else None)
    name, local = spec["owner"]
    pairs = [["reference", spec["reference"]], ["applicants-0-kind", "entity"],
             ["applicants-0-name", name], ["applicants-0-name_local", local],
             ["applicants-0-address", "1 Street, Phnom Penh"], ["applicants-0-country", "KH"]]
    pairs += ([["mark_type", "word"], ["mark_text", spec["title"]],
               ["goods-0-class_number", "30"], ["goods-0-terms", "coffee; tea"]]
              if kind == "trademark" else [["title", spec["title"]]])
    status_at = accepted + timedelta(days=20) if spec["delivered"] else None
    row = {
        "uuid": str(uuid.uuid4()), "owner_id": agent.id, "firm_id": agent.firm_id,
        "kind": kind, "filing_type": spec["filing_type"], "status": "accepted",
        "reference": spec["reference"], "title": spec["title"], "applicant_names": name,
        "names_local": local, "form_data": pairs, "problems": 0,
        "portal_number": spec["portal_number"], "accepted_seq": spec["seq"],
        "office_number": office_number,
        "registration_number": registration, "expires_on": expires,
        "delivered_at": status_at, "office_status": spec["status"],
        "office_status_at": status_at, "submitted_at": accepted - timedelta(minutes=5),
        "accepted_at": accepted, "created_at": accepted - timedelta(days=1),
        "updated_at": accepted, "last_event_at": status_at or accepted,
        "last_event_kind": "status" if status_at else "accepted",
        "next_deadline": spec["response_due"] or expires,
    }
    row["search_text"] = " | ".join(
        p for p in (row["portal_number"], office_number, registration, row["reference"],
                    row["title"], name, local) if p).lower()
    return row


def _orders(agent: User, specs: list[dict], ids: list[int], year: int, now) -> None:
    """One paid order (deposit account) per 100 filings, with each item's frozen fee."""
    chunks = [list(range(i, min(i + 100, len(ids)))) for i in range(0, len(ids), 100)]
    first = reserve(f"ORD:{year}", len(chunks))
    order_rows = []
    for offset, chunk in enumerate(chunks):
        number = f"ORD-{year}-{first + offset:06d}"
        for i in chunk:
            specs[i]["order"] = number
        order_rows.append({
            "number": number, "checkout_key": uuid.uuid4().hex, "user_id": agent.id,
            "firm_id": agent.firm_id, "state": "paid", "method": "deposit_account",
            "purpose": "filings", "currency": "KHR", "locale": "en",
            "total": sum((specs[i]["fee"] for i in chunk), Decimal(0)),
            "created_at": now, "paid_at": now})
    order_ids = _insert(Order, order_rows, returning=True)
    _insert(Payment, [
        {"order_id": oid, "provider": "deposit_account", "amount": row["total"],
         "currency": "KHR", "state": "succeeded", "idempotency_key": row["checkout_key"],
         "data": {}, "created_at": now} for oid, row in zip(order_ids, order_rows, strict=True)])
    item_rows = [{"order_id": order_ids[c], "filing_id": ids[i], "position": p + 1,
                  "total": specs[i]["fee"]}
                 for c, chunk in enumerate(chunks) for p, i in enumerate(chunk)]
    item_ids = _insert(OrderItem, item_rows, returning=True)
    _insert(OrderFee, [
        {"item_id": item_id, "code": "DEMO", "label": "Filing fee", "quantity": 1,
         "unit_amount": row["total"], "amount": row["total"]}
        for item_id, row in zip(item_ids, item_rows, strict=True)])


def _demo_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
