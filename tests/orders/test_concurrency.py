"""Races that only a real database shows: PostgreSQL, several threads, real commits."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from payments.models import DepositAccount, Order
from portal import create_app
from portal.extensions import db
from tests.conftest import base_config, fresh_database_url, is_postgres, migrate_to_head

pytestmark = pytest.mark.skipif(not is_postgres(), reason="row locks need PostgreSQL")


@pytest.fixture
def live_app(tmp_path):
    url, drop = fresh_database_url(tmp_path, "race")
    migrate_to_head(url, tmp_path)
    app = create_app({**base_config(tmp_path / "data", url),
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 5}})
    with app.app_context():
        from payments.fees import load_tariff
        from portal.seed import TARIFF_FILE, seed_office

        seed_office()
        load_tariff(TARIFF_FILE)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()
    drop()


def run_together(app, count: int, work) -> list:
    """Run work(i) in `count` threads released at the same instant; results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        with app.test_request_context("/"):
            barrier.wait()
            try:
                results[i] = work(i)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def agent_with_cart(app, kinds=("trademark", "patent")) -> int:
    """An agent, its firm's deposit account, and complete drafts in its cart."""
    from payments.cart import add_to_cart
    from payments.providers.deposit_account import move, open_account
    from portal.auth.models import Role
    from portal.filings.models import IPKind
    from portal.filings.services import create_draft, save_draft
    from tests.conftest import make_user
    from tests.filings.conftest import APPLICANT, COMPLETE

    with app.test_request_context("/"):
        user = make_user(f"agent-{uuid.uuid4().hex[:8]}@example.org", Role.AGENT,
                         organisation="Race IP")
        move(open_account(user, "KHR"), Decimal("100000000"), "top_up")
        for kind in kinds:
            filing = create_draft(user, IPKind(kind))
            save_draft(filing, [[k, v] for k, v in {**COMPLETE[kind], **APPLICANT}.items()])
            if kind == "patent":  # its required PDFs
                _attach_pdfs(filing)
            add_to_cart(user, filing)
        db.session.commit()
        return user.id


def _attach_pdfs(filing):
    import io

    from werkzeug.datastructures import FileStorage

    from portal.filings.documents import attach_upload
    from portal.filings.services import save_draft
    from tests.filings.conftest import pdf_bytes

    for slot, kind in (("description_pdf", "specification"), ("claims_pdf", "claims")):
        attach_upload(filing, slot, kind, FileStorage(io.BytesIO(pdf_bytes(2)), f"{slot}.pdf"))
    save_draft(filing, filing.form_data)


def test_ten_concurrent_checkouts_of_one_cart_make_one_order(live_app):
    from payments.services import checkout
    from portal.auth.models import User

    user_id = agent_with_cart(live_app)

    def work(i):
        user = db.session.get(User, user_id)
        key = "double-click-key-aaaa" if i % 2 else "second-tab-key-bbbbb"
        return checkout(user, key, "deposit_account").order.id

    results = run_together(live_app, 10, work)
    order_ids = {r for r in results if isinstance(r, int)}
    with live_app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        account = db.session.scalar(select(DepositAccount))
        order = db.session.scalar(select(Order))
        assert account.balance == Decimal("100000000") - order.total
    assert order_ids == {order.id}


def test_two_orders_paid_at_once_get_distinct_consecutive_portal_numbers(live_app):
    from payments.services import checkout
    from portal.auth.models import User

    users = [agent_with_cart(live_app, ("trademark",)),
             agent_with_cart(live_app, ("trademark", "design"))]

    def work(i):
        return checkout(db.session.get(User, users[i]), f"key-{i}-0123456789abcdef",
                        "deposit_account").order.id

    results = run_together(live_app, 2, work)
    assert all(isinstance(r, int) for r in results), results
    with live_app.app_context():
        from portal.filings.models import Filing

        numbers = sorted(n for n in db.session.scalars(select(Filing.portal_number))
                         if n and n.startswith("EF-TM-"))
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2]


def test_racing_deposit_debits_never_overdraw(live_app):
    from payments.providers.deposit_account import account_of, move
    from portal.auth.models import User

    user_id = agent_with_cart(live_app, ())
    with live_app.test_request_context("/"):
        account = account_of(db.session.get(User, user_id))
        account.balance = Decimal("1000")
        account_id = account.id
        db.session.commit()

    def work(i):
        locked = account_of(db.session.get(User, user_id), lock=True)
        return move(locked, Decimal("-600"), "debit").balance_after

    results = run_together(live_app, 2, work)
    assert sum(isinstance(r, Decimal) for r in results) == 1, results
    with live_app.app_context():
        assert db.session.scalar(select(DepositAccount.balance).where(
            DepositAccount.id == account_id)) == Decimal("400")
