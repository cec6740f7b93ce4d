"""`make bench` at a tiny size, so that benchmarks/bench.py cannot rot: every measurement runs
against the real servers (gunicorn, the back-office simulator) and lands in the table and in
the README's marked section. Times are not checked; counts are."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILINGS, DRAFTS, DELIVERIES = 12, 2, 3


def test_bench_runs_every_measurement_at_a_tiny_size(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nBefore.\n\n<!-- bench:start -->\nold figures\n"
                      "<!-- bench:end -->\n\nAfter.\n")
    server = os.environ.get("TEST_DATABASE_URL", "")
    database = ["--database-url", server] if server.startswith("postgresql") else ["--sqlite"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), *database,
         "--filings", str(FILINGS), "--drafts", str(DRAFTS), "--deliveries", str(DELIVERIES),
         "--seconds", "0.3", "--clients", "2", "--readme", str(readme)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout

    for name in ("healthz", "dashboard"):
        row = re.search(rf"\| `/{name}`.*?, 2 clients \| [\d,.]+ requests/s \(([\d,]+) requests, "
                        r"(\d+) errors\) \| [\d,]+ ms \| [\d,]+ ms \|", out)
        assert row, f"no {name} row in:\n{out}"
        assert int(row.group(1).replace(",", "")) > 0 and row.group(2) == "0"
    assert f"| cart page ({DRAFTS} items) |" in out
    assert f"| checkout ({DRAFTS} items, deposit account) |" in out
    receipt = re.search(rf"\| receipt PDF \({DRAFTS} items, first request: rendered\) \| "
                        r"[\d.]+ s \((\d+) pages", out)
    assert receipt and int(receipt.group(1)) >= 1
    assert "| receipt PDF again (stored) |" in out
    # Every due delivery the run asked for reached the simulator.
    assert re.search(rf"\| connector deliveries \(\d+ threads\) \| [\d,.]+ deliveries/s "
                     rf"\({DELIVERIES} in ", out), out
    # The walk saw the seeded filings and the ones the checkout accepted, once each.
    assert f"| cursor walk ({FILINGS + DRAFTS} submissions, 1 pages) |" in out
    rss = re.search(r"\| RSS per gunicorn worker after the load \| ([^|]+) \|", out)
    assert rss and len(re.findall(r"[\d,]+ MiB", rss.group(1))) == 2
    assert re.search(r"Run \d{4}-\d\d-\d\d .*, \d+ cores, .*Python 3\.\d+.*Load average", out)

    text = readme.read_text()
    assert text.startswith("# Benchmarks\n\nBefore.") and text.endswith("After.\n")
    assert "old figures" not in text and text.count("<!-- bench:start -->") == 1
    assert "| cursor walk (" in text and "--filings 12" in text
