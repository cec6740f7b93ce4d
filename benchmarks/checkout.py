"""Server time of a checkout paid from a deposit account, and its SQL statements, by size.

    .venv/bin/python benchmarks/checkout.py [--items 1 10 50 200] [--database-url URL]

Builds a throwaway database (SQLite in a temporary folder unless --database-url names an empty
PostgreSQL database), an agent with a funded deposit account and N complete trademark drafts
in its cart, then times `payments.services.checkout` (everything up to the commit, receipts
excluded: they are rendered after the commit, see benchmarks/receipts.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from benchmarks.demo_office import demo_office_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.filings.conftest import APPLICANT, COMPLETE  # noqa: E402


def build(app, n: int, email: str):
    from payments.cart import add_to_cart
    from payments.providers.deposit_account import move, open_account
    from portal.auth.models import Role
    from portal.filings.models import IPKind
    from portal.filings.services import create_draft, save_draft

    user = make_user(email, Role.AGENT, organisation="Bench IP")
    move(open_account(user, "KHR"), Decimal("100000000000"), "top_up")
    pairs = [[k, v] for k, v in {**COMPLETE["trademark"], **APPLICANT}.items()]
    for _ in range(n):
        filing = create_draft(user, IPKind.TRADEMARK)
        save_draft(filing, pairs)
        add_to_cart(user, filing)
    db.session.commit()
    return user.id


def measure(app, n: int) -> tuple[float, int]:
    from payments.services import checkout
    from portal.auth.models import User

    with app.test_request_context("/"):
        user_id = build(app, n, f"bench{n}@example.org")
    statements = []

    def count(*args):
        statements.append(1)

    with app.test_request_context("/"):
        user = db.session.get(User, user_id)
        event.listen(db.engine, "before_cursor_execute", count)
        start = time.perf_counter()
        result = checkout(user, f"bench-key-{n:06d}-0000", "deposit_account")
        db.session.commit()
        elapsed = time.perf_counter() - start
        event.remove(db.engine, "before_cursor_execute", count)
        assert result.order.state.value == "paid" and len(result.order.items) == n
    return elapsed, len(statements)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, nargs="+", default=[1, 10, 50, 200])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app, url = demo_office_app(args.database_url)
    print(f"database: {url.split(':')[0]}")
    print(f"{'items':>6} {'seconds':>9} {'ms/item':>8} {'SQL':>6} {'SQL/item':>9}")
    for n in args.items:
        seconds, statements = measure(app, n)
        print(f"{n:>6} {seconds:>9.3f} {1000 * seconds / n:>8.1f} {statements:>6} "
              f"{statements / n:>9.1f}")


if __name__ == "__main__":
    main()
