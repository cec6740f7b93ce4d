"""The way to the back office: deliveries per second from `connector run --once` to the
back-office simulator on loopback, and the back office's cursor walk of every accepted
submission through GET /api/v1/submissions, served by gunicorn (2 workers).

    .venv/bin/python benchmarks/backoffice.py [--deliveries 2000] [--walk 20000]
                                              [--limit 500] [--database-url URL]

Builds a data dir in a temporary folder (SQLite there unless --database-url names an empty
PostgreSQL database), runs `db upgrade` and `seed-demo --filings N` (every filing due), starts
the simulator (`backoffice-sim`) on a free port and times `connector run --once`; then seeds up
to --walk filings in all, starts gunicorn and walks the cursor with an API token, page by page.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def flask(env, *args, capture=True) -> str:
    done = subprocess.run([str(BIN / "flask"), "--app", "portal", *args], env=env, check=True,
                          capture_output=capture, text=True)
    return done.stdout if capture else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--walk", type=int, default=20000)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sim_port, port = free_port(), free_port()
        env = {**os.environ, "PORTAL_DATA_DIR": tmp, "PORTAL_ENV": "development",
               "DEMO_PASSWORD": "bench-password-2026", "JOBS_MODE": "worker",
               "BACKOFFICE_URL": f"http://127.0.0.1:{sim_port}", "BACKOFFICE_TOKEN": "bench",
               "PORTAL_URL": f"http://127.0.0.1:{port}", "RATELIMIT_ENABLED": "false"}
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        flask(env, "db", "upgrade")
        flask(env, "seed-demo", "--filings", str(args.deliveries))
        database = "PostgreSQL" if args.database_url else "SQLite"
        sim = subprocess.Popen([str(BIN / "flask"), "--app", "portal", "backoffice-sim",
                                "--port", str(sim_port), "--token", "unused"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_up(f"http://127.0.0.1:{sim_port}/healthz")
            start = time.perf_counter()
            out = flask(env, "connector", "run", "--once")
            seconds = time.perf_counter() - start
            print(f"{database}: {out.strip()} — {args.deliveries / seconds:.0f} deliveries/s "
                  f"(wall {seconds:.1f} s including the command's start)")
        finally:
            sim.terminate()
            sim.wait(10)
        more = args.walk - args.deliveries
        if more > 0:
            flask(env, "seed-demo", "--filings", str(more))
        token = flask(env, "api-client", "create", "Bench", "--scopes",
                      "submissions:read").strip().splitlines()[-1]
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind",
             f"127.0.0.1:{port}", "portal:create_app()"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_up(f"http://127.0.0.1:{port}/healthz")
            seen, after, pages, slowest = 0, 0, 0, 0.0
            start = time.perf_counter()
            while True:
                page_start = time.perf_counter()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/submissions?after={after}"
                    f"&limit={args.limit}", headers={"Authorization": f"Bearer {token}"})
                with urllib.request.urlopen(request, timeout=60) as r:
                    page = json.load(r)
                slowest = max(slowest, time.perf_counter() - page_start)
                pages += 1
                seen += len(page["items"])
                if page["next"] is None:
                    break
                after = page["next"]
            seconds = time.perf_counter() - start
            print(f"{database}: cursor walk of {seen} submissions in {pages} pages of "
                  f"{args.limit}: {seconds:.1f} s ({seen / seconds:.0f} submissions/s, "
                  f"slowest page {slowest * 1000:.0f} ms)")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
