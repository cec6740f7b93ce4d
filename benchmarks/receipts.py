"""Time the PDF receipts: a 1-filing and a 200-filing receipt, after one warm-up render.

    .venv/bin/python benchmarks/receipts.py [--repeat N] [--locale km]

Not a test: it prints the figures (see benchmarks/README.md). No database is touched; the app
is built only for its templates, static folder and configuration.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
import warnings
from io import BytesIO
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pypdf import PdfReader  # noqa: E402

from portal import create_app  # noqa: E402
from portal.receipts import render  # noqa: E402

APPLICANTS = {"km": "ក្រុមហ៊ុន អង្គរ", "lo": "ບໍລິສັດ ລ້ານຊ້າງ", "ar": "شركة النخيل"}


def filing(n: int, applicant: str) -> dict:
    def document(name: str, kind: str, pages: int | None) -> dict:
        return {"filename": name, "kind": kind, "pages": pages, "size": "1.2 MB",
                "sha256": hashlib.sha256(name.encode()).hexdigest()}

    number = f"EF-TM-2026-{n:06d}"
    return {
        "portal_number": number, "kind": "Trademark", "filing_type": "Application",
        "title": f"MARK {n}", "applicant": applicant, "reference": f"REF/{n}",
        "accepted_at": "3 March 2026, 10:15",
        "documents": [document(f"{number}-mark.png", "Representation of the mark", None),
                      document(f"{number}-power-of-attorney.pdf", "Power of attorney", 2)],
        "fees": [{"label": "Filing fee", "quantity": 1, "amount": "KHR 400,000"},
                 {"label": "Each class beyond the first", "quantity": 2,
                  "amount": "KHR 200,000"}],
        "total": "KHR 600,000",
    }


def receipt(filings: int, locale: str) -> dict:
    applicant = APPLICANTS.get(locale, "Angkor Trading Co., Ltd.")
    return {
        "locale": locale,
        "office": {"name": "Test Intellectual Property Office",
                   "address": "1 Test Street, Phnom Penh", "email": "receipts@example.org"},
        "number": "RCP-2026-000001", "order_number": "ORD-2026-000042",
        "issued_at": "3 March 2026, 10:20",
        "payer": {"name": "Sokha Chan", "organisation": "Mekong IP",
                  "email": "sokha@example.org"},
        "items": [filing(n, applicant) for n in range(1, filings + 1)],
        "total": f"KHR {600_000 * filings:,}", "currency": "KHR",
        "payment": {"method": "Card", "reference": "pi_3Q0042", "paid_at": "3 March 2026"},
        "signed": False,
    }


def time_render(context: dict, repeat: int) -> tuple[list[float], bytes]:
    timings, pdf = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        pdf = render.render_receipt(context)
        timings.append(time.perf_counter() - start)
    return timings, pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="renders of each size (5)")
    parser.add_argument("--locale", default="en", help="language of the receipt (en)")
    args = parser.parse_args()

    # Flask-Limiter warns that its in-memory storage is not for production: irrelevant here.
    warnings.filterwarnings("ignore", message="Using the in-memory storage", category=UserWarning)
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "benchmark", "PORTAL_DATA_DIR": data_dir,
            "SQLALCHEMY_DATABASE_URI": "sqlite://", "PORTAL_ENV": "development",
            "PORTAL_HTTPS": False, "PROXY_FIX_HOPS": 0, "RATELIMIT_STORAGE_URI": "memory://",
        })
        with app.app_context():
            start = time.perf_counter()
            render.render_receipt(receipt(1, args.locale))  # imports WeasyPrint, loads fonts
            print(f"warm-up (import + first render): {time.perf_counter() - start:.2f} s")
            for filings in (1, 200):
                timings, pdf = time_render(receipt(filings, args.locale), args.repeat)
                pages = len(PdfReader(BytesIO(pdf)).pages)
                print(f"{filings:>3} filing(s), {pages:>3} page(s), {len(pdf) / 1024:,.0f} KiB: "
                      f"median {statistics.median(timings):.3f} s, min {min(timings):.3f} s, "
                      f"max {max(timings):.3f} s over {len(timings)} renders")


if __name__ == "__main__":
    main()
