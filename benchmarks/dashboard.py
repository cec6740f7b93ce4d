"""The dashboard of an agent with 20,000 filings, served by gunicorn (2 workers): requests per
second and latency percentiles, next to /healthz on the same server in the same run.

    .venv/bin/python benchmarks/dashboard.py [--filings 20000] [--seconds 20] [--clients 8]
                                             [--database-url URL]

Builds a data dir in a temporary folder (SQLite there unless --database-url names an empty
PostgreSQL database), runs `db upgrade` and `seed-demo --filings N`, starts gunicorn on a free
port, logs in as agent@example.org, then for each URL keeps --clients threads requesting it for
--seconds and reports what they measured. Also times the dashboard with a search and a filter,
and the CSV export of the whole list once.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-password-2026"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict, filings: int) -> None:
    flask = [str(BIN / "flask"), "--app", "portal"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    done = subprocess.run([*flask, "seed-demo", "--filings", str(filings), "--delivered",
                           "0.85"], env=env,
                          check=True, capture_output=True, text=True)
    print(done.stdout.splitlines()[0], f"(wall {time.perf_counter() - start:.1f} s)")


def opener_logged_in(base: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    data = urllib.parse.urlencode({"csrf_token": CSRF.search(page).group(1),
                                   "email": "agent@example.org",
                                   "password": PASSWORD}).encode()
    opener.open(urllib.request.Request(f"{base}/login", data=data))
    return jar


def load(url: str, jar, seconds: float, clients: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker():
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        mine = []
        while time.perf_counter() < stop:
            start = time.perf_counter()
            try:
                with opener.open(url, timeout=60) as r:
                    r.read()
                    ok = r.status == 200
            except OSError:
                ok = False
            mine.append(time.perf_counter() - start)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors[0]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--filings", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    env = {**os.environ, "PORTAL_DATA_DIR": str(folder), "DEMO_PASSWORD": PASSWORD,
           "PORTAL_ENV": "development", "RATELIMIT_ENABLED": "0"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    prepare(env, args.filings)
    port = free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning",
                               "portal:create_app()"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        jar = opener_logged_in(base)
        print(f"database: {'postgresql' if args.database_url else 'sqlite'}; "
              f"{args.filings} filings; gunicorn 2 workers; {args.clients} clients; "
              f"{args.seconds:.0f} s per URL")
        print(f"{'URL':<44} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'errors':>6}")
        for path in ("/healthz", "/dashboard", "/dashboard?page=200",
                     "/dashboard?q=mekong&kind=trademark", "/dashboard?status=office:registered"):
            count, latencies, errors = load(base + path, jar, args.seconds, args.clients)
            print(f"{path:<44} {count:>8} {count / args.seconds:>7.1f} "
                  f"{1000 * statistics.median(latencies):>7.0f} "
                  f"{1000 * pct(latencies, 0.99):>7.0f} {errors:>6}")
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        start = time.perf_counter()
        size = len(opener.open(f"{base}/dashboard/filings.csv", timeout=120).read())
        print(f"CSV export of the whole list: {size / 1e6:.1f} MB in "
              f"{time.perf_counter() - start:.2f} s")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
