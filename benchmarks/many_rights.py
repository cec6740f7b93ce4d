"""Server time of a request naming many rights: adding them from a list, saving the draft (which
runs the check before filing), pricing it, and rendering its page, by the number of rights.

    .venv/bin/python benchmarks/many_rights.py [--rights 10 300 1000] [--database-url URL]

Builds a throwaway database (SQLite in a temporary folder unless --database-url names an empty
PostgreSQL database), an agent, and for each size a renewal of N trademark registrations pasted
as one list (number, expiry date, two classes per line).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_login import login_user  # noqa: E402

from benchmarks.demo_office import demo_office_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests.conftest import make_user  # noqa: E402

HOLDER = [["holder-name", "Angkor Brew Co., Ltd."], ["holder-address", "7 Street 240"],
          ["holder-country", "KH"]]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(app, n: int, user_id: int) -> dict[str, float]:
    from payments.fees import calculate_fees, office_today
    from portal.auth.models import User
    from portal.filings.models import IPKind
    from portal.filings.requests import import_rights, start_request
    from portal.filings.services import save_draft, stored_form
    from portal.filings.views import render_edit

    with app.test_request_context("/"):
        user = db.session.get(User, user_id)
        login_user(user)
        expiry = (office_today() + timedelta(days=60)).isoformat()
        text = "\n".join(f"TM-{i:06d},{expiry},\"9, 35\"" for i in range(1, n + 1))
        filing = start_request(user, "renewal", IPKind.TRADEMARK)
        out = {}
        out["import"], (pairs, result) = timed(
            lambda: import_rights(user, filing, HOLDER + list(filing.form_data), text))
        assert len(result.added) == n and not result.bad
        out["save"], _ = timed(lambda: save_draft(filing, pairs))
        assert filing.problems == 0, filing.problems
        out["fees"], quote = timed(lambda: calculate_fees(filing))
        assert quote.lines[0].quantity == n
        out["page"], html = timed(lambda: render_edit(filing, stored_form(filing)))
        out["page_kib"] = len(html.encode()) / 1024
        db.session.commit()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rights", type=int, nargs="+", default=[10, 300, 1000])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app, url = demo_office_app(args.database_url)
    with app.app_context():
        from portal.auth.models import Role

        user_id = make_user("bench@example.org", Role.AGENT, organisation="Bench IP").id
    print(f"database: {url.split(':')[0]}")
    print(f"{'rights':>7} {'import s':>9} {'save+check s':>13} {'fees s':>7} {'page s':>7} "
          f"{'page KiB':>9}")
    for n in args.rights:
        r = measure(app, n, user_id)
        print(f"{n:>7} {r['import']:>9.3f} {r['save']:>13.3f} {r['fees']:>7.3f} "
              f"{r['page']:>7.3f} {r['page_kib']:>9.0f}")


if __name__ == "__main__":
    main()
