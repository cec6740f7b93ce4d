"""`make bench`: the portal as it is served (gunicorn, 2 workers, as scripts/run.sh starts it)
on a PostgreSQL database of its own, measured end to end on this machine.

    .venv/bin/python benchmarks/bench.py [--filings 20000] [--drafts 200] [--deliveries 2000]
        [--seconds 20] [--clients 8] [--database-url postgresql+psycopg://USER@HOST:PORT/DB]
        [--sqlite] [--readme benchmarks/README.md]

1. A database: without --database-url a throwaway PostgreSQL cluster (Debian's server binaries,
   run as `postgres` when we are root, durability off like scripts/with-postgres.sh); in it, or
   on the server --database-url names, a database of its own, dropped at the end (with the
   cluster). --sqlite: a SQLite file instead (quick checks, the smoke test).
2. The schema (`db upgrade`), the demo office and accounts, --filings accepted filings of the
   demo agent (`seed-demo --filings N --delivered 0.85`: a docket with a history), --drafts
   complete trademark drafts in the agent's cart, a funded deposit account, an API token.
3. gunicorn serves the portal (2 workers x 4 threads like scripts/run.sh, but a 1800 s worker
   timeout instead of 120 s, so that a slow request is measured rather than killed); the
   back-office simulator (`flask backoffice-sim`) listens.
4. Measured: /healthz and the agent's /dashboard under load from --clients threads (a keep-alive
   requests.Session each, logged in with a real session cookie) for --seconds each; the checkout
   of the whole cart paid from the deposit account (the POST, up to its redirect); the receipt
   of that order through its URL (rendered on demand there: no worker runs); the back office's
   cursor walk of every accepted submission (GET /api/v1/submissions, 500 a page); the
   connector delivering --deliveries due filings to the simulator (`deliver_due`, what
   `connector run --once` and the worker call); each gunicorn worker's resident memory (VmRSS)
   after the load.

Prints a table; with --readme, also writes it, the machine and the date into the marked section
of that file. The rate limiter is off for the run (one address sends every request).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager, redirect_stderr
from datetime import UTC, datetime
from pathlib import Path

import requests
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-" + secrets.token_urlsafe(12)
AGENT = "agent@example.org"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CHECKOUT_KEY = re.compile(r'name="checkout_key"[^>]*value="([^"]+)"')
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


T0 = time.perf_counter()


def say(text: str) -> None:
    print(f"[{time.perf_counter() - T0:6.1f} s] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 300) -> None:
    """Until `url` answers 200 (a loaded machine starts gunicorn slowly); the server's log when
    it exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited ({process.returncode}):\n"
                             + log.read_text()[-4000:])
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up in {seconds:.0f} s:\n" + log.read_text()[-4000:])


# --- the database -----------------------------------------------------------------------------

@contextmanager
def postgres_cluster():
    """A throwaway cluster on a free port; yields its server URL (database `postgres`)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not bins:
        raise SystemExit("no PostgreSQL server binaries (apt-get install postgresql), "
                         "or pass --database-url / --sqlite")
    pgbin, root = bins[-1], os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-pg."))
    as_pg = ["runuser", "-u", "postgres", "--"] if root else []
    if root:
        shutil.chown(folder, "postgres")
    port = free_port()
    try:
        subprocess.run([*as_pg, str(pgbin / "initdb"), "-D", str(folder / "data"), "-U", "app",
                        "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                       check=True, capture_output=True)
        subprocess.run([*as_pg, str(pgbin / "pg_ctl"), "-D", str(folder / "data"), "-l",
                        str(folder / "log"), "-w", "-o",
                        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off "
                        "-c max_connections=200", "start"], check=True, capture_output=True)
        try:
            yield f"postgresql+psycopg://app@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([*as_pg, str(pgbin / "pg_ctl"), "-D", str(folder / "data"), "-m",
                            "immediate", "stop"], capture_output=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def own_database(server_url: str):
    """A new database on the server `server_url` points at; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"portal_bench_{secrets.token_hex(4)}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


# --- preparing ----------------------------------------------------------------------------------

def prepare(app, filings: int, drafts: int) -> dict:
    """Schema, demo office and accounts, the agent's docket and cart, a deposit account, an API
    token. Returns what the measurements need and how long the seeding took."""
    from decimal import Decimal

    from flask_migrate import upgrade

    from payments.cart import add_to_cart
    from payments.providers.deposit_account import move, open_account
    from portal.api.models import create_client
    from portal.auth.models import User
    from portal.demo_filings import seed_filings
    from portal.extensions import db
    from portal.filings.models import IPKind
    from portal.filings.services import create_draft, save_draft
    from portal.seed import seed_demo
    from tests.filings.conftest import APPLICANT, COMPLETE

    times = {}
    with app.app_context():
        start = time.perf_counter()
        migrations = io.StringIO()
        try:
            with redirect_stderr(migrations):  # Alembic's progress lines
                upgrade(directory=str(ROOT / "portal" / "migrations"))
        except BaseException:
            print(migrations.getvalue(), file=sys.stderr)
            raise
        times["schema"] = time.perf_counter() - start
        office, users, _password = seed_demo()
        currency = office.currency
        db.session.commit()
        agent = next(u for u in users if u.email == AGENT)
        agent_id = agent.id
        start = time.perf_counter()
        seed_filings(agent, filings, delivered=0.85)
        db.session.commit()
        times["seed"] = time.perf_counter() - start
        _client, token = create_client("Benchmark", ["submissions:read"])
        db.session.commit()
    with app.test_request_context("/"):
        agent = db.session.get(User, agent_id)
        start = time.perf_counter()
        move(open_account(agent, currency), Decimal("10000000000"), "top_up")
        pairs = [[k, v] for k, v in {**COMPLETE["trademark"], **APPLICANT}.items()]
        for _ in range(drafts):
            filing = create_draft(agent, IPKind.TRADEMARK)
            save_draft(filing, pairs)
            add_to_cart(agent, filing)
        db.session.commit()
        times["drafts"] = time.perf_counter() - start
        db.session.remove()
    with app.app_context():
        db.engine.dispose()  # gunicorn's workers open their own connections
    return {"token": token, "times": times}


# --- measuring ----------------------------------------------------------------------------------

def log_in(base: str) -> requests.Session:
    web = requests.Session()
    page = web.get(f"{base}/login", timeout=30).text
    answer = web.post(f"{base}/login", timeout=60, data={
        "csrf_token": CSRF.search(page).group(1), "email": AGENT, "password": PASSWORD})
    if not answer.url.rstrip("/").endswith("/dashboard"):
        raise SystemExit(f"logging in as {AGENT} did not reach the dashboard ({answer.url})")
    return web


def load(url: str, cookies, seconds: float, clients: int) -> dict:
    """`clients` threads, each with its own keep-alive session, requesting `url` until the
    time is up. Requests per second over the wall time; latency percentiles of every request."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client():
        mine, bad = [], 0
        with requests.Session() as http:
            http.cookies.update(cookies)
            barrier.wait()
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    r = http.get(url, timeout=120, allow_redirects=False)
                    ok = r.status_code == 200
                except requests.RequestException:
                    ok = False
                mine.append(time.perf_counter() - start)
                bad += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline = time.perf_counter() + seconds
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {"requests": len(latencies), "rps": len(latencies) / wall,
            "p50": pct(latencies, 0.50), "p99": pct(latencies, 0.99), "errors": errors[0]}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def checkout_and_receipt(base: str, web: requests.Session, drafts: int) -> dict:
    start = time.perf_counter()
    cart = web.get(f"{base}/cart", timeout=300)
    cart_seconds = time.perf_counter() - start
    start = time.perf_counter()
    answer = web.post(f"{base}/cart/checkout", timeout=1800, allow_redirects=False, data={
        "csrf_token": CSRF.search(cart.text).group(1),
        "checkout_key": CHECKOUT_KEY.search(cart.text).group(1), "method": "deposit_account"})
    checkout_seconds = time.perf_counter() - start
    order_path = answer.headers.get("Location", "")
    if answer.status_code != 302 or not re.search(r"/orders/\d+$", order_path):
        raise SystemExit(f"the checkout did not make an order ({answer.status_code} "
                         f"{order_path})")
    order_url = requests.compat.urljoin(base + "/", order_path)
    start = time.perf_counter()
    receipt = web.get(f"{order_url}/receipt", timeout=1800)
    receipt_seconds = time.perf_counter() - start
    if receipt.status_code != 200 or not receipt.content.startswith(b"%PDF"):
        raise SystemExit(f"the receipt did not come ({receipt.status_code})")
    start = time.perf_counter()
    again = web.get(f"{order_url}/receipt", timeout=1800)
    again_seconds = time.perf_counter() - start
    pages = len(PdfReader(io.BytesIO(receipt.content)).pages)
    return {"cart": cart_seconds, "checkout": checkout_seconds, "receipt": receipt_seconds,
            "receipt_again": again_seconds, "receipt_pages": pages,
            "receipt_size": len(receipt.content), "same": again.content == receipt.content,
            "items": drafts}


def cursor_walk(base: str, token: str, limit: int = 500) -> dict:
    seen, after, pages, slowest = 0, 0, 0, 0.0
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        start = time.perf_counter()
        while True:
            page_start = time.perf_counter()
            r = http.get(f"{base}/api/v1/submissions", timeout=120,
                         params={"after": after, "limit": limit})
            r.raise_for_status()
            page = r.json()
            slowest = max(slowest, time.perf_counter() - page_start)
            pages += 1
            seen += len(page["items"])
            if page["next"] is None:
                break
            after = page["next"]
        seconds = time.perf_counter() - start
    return {"submissions": seen, "pages": pages, "seconds": seconds,
            "per_second": seen / seconds, "slowest": slowest}


def deliveries(app, n: int) -> dict:
    from portal.backoffice.connector import deliver_due
    from portal.extensions import db

    with app.app_context():
        start = time.perf_counter()
        done = deliver_due(limit=n)
        seconds = time.perf_counter() - start
        db.session.remove()
        db.engine.dispose()
    delivered = done.get("delivered", 0)
    return {"delivered": delivered, "other": dict(done), "seconds": seconds,
            "per_second": delivered / seconds if seconds else 0.0,
            "threads": app.config["CONNECTOR_CONCURRENCY"]}


def worker_rss(master_pid: int) -> list[int]:
    """VmRSS in KiB of each child of the gunicorn master."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]))
    return sorted(sizes)


# --- the machine and the report -----------------------------------------------------------------

def machine(app, database: str) -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal:"))
    version = "SQLite " + __import__("sqlite3").sqlite_version
    if database != "sqlite":
        from sqlalchemy import text

        from portal.extensions import db

        with app.app_context():
            version = "PostgreSQL " + db.session.execute(text("SHOW server_version")).scalar()
            db.session.remove()
            db.engine.dispose()
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": f"{mem_kib / 1024 / 1024:.0f} GiB",
            "python": platform.python_version(), "database": version,
            "os": platform.platform(terse=True)}


def table(r: dict, args) -> list[str]:
    d, c, w, v = r["dashboard"], r["checkout"], r["walk"], r["deliveries"]
    rows = ["| measure | result | p50 | p99 |", "|---|---|---|---|"]
    for name, m in (("`/healthz`", r["healthz"]), (f"`/dashboard` ({args.filings:,} filings)",
                                                    d)):
        rows.append(f"| {name}, {args.clients} clients | {m['rps']:,.1f} requests/s "
                    f"({m['requests']:,} requests, {m['errors']} errors) | "
                    f"{m['p50'] * 1000:,.0f} ms | {m['p99'] * 1000:,.0f} ms |")
    rows += [
        f"| cart page ({c['items']} items) | {c['cart']:.2f} s | | |",
        f"| checkout ({c['items']} items, deposit account) | {c['checkout']:.2f} s | | |",
        f"| receipt PDF ({c['items']} items, first request: rendered) | {c['receipt']:.2f} s "
        f"({c['receipt_pages']} pages, {c['receipt_size'] / 1024:,.0f} KiB) | | |",
        f"| receipt PDF again (stored) | {c['receipt_again'] * 1000:,.0f} ms | | |",
        f"| connector deliveries ({v['threads']} threads) | {v['per_second']:,.1f} deliveries/s "
        f"({v['delivered']:,} in {v['seconds']:.1f} s) | | |",
        f"| cursor walk ({w['submissions']:,} submissions, {w['pages']} pages) | "
        f"{w['seconds']:.1f} s ({w['per_second']:,.0f} submissions/s, slowest page "
        f"{w['slowest'] * 1000:,.0f} ms) | | |",
        "| RSS per gunicorn worker after the load | "
        + ", ".join(f"{kib / 1024:,.0f} MiB" for kib in r["rss"]) + " | | |",
    ]
    return rows


def report(r: dict, args) -> str:
    m = r["machine"]
    lines = [
        f"Run {r['date']}: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}, "
        f"Python {m['python']}, {m['database']}; gunicorn 2 workers x 4 threads. Load average "
        f"{r['load_before']} before the run, {r['load_after']} after it"
        + (" (a loaded machine: other jobs shared the cores, the figures are lower than on "
           "a quiet one)" if r["loaded"] else "") + ".",
        "",
        f"Seeding: schema {r['times']['schema']:.1f} s, {args.filings:,} filings "
        f"{r['times']['seed']:.1f} s, {args.drafts} drafts in the cart "
        f"{r['times']['drafts']:.1f} s. Load: {args.seconds:g} s per URL.",
        "",
        *table(r, args),
    ]
    return "\n".join(lines)


def write_readme(path: Path, text: str, command: str) -> None:
    content = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"{START}\n\n    {command}\n\n{text}\n\n{END}"
    if START in content and END in content:
        head, rest = content.split(START, 1)
        content = head + section + rest.split(END, 1)[1]
    else:
        content = content.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(content)


# --- the run ------------------------------------------------------------------------------------

def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--filings", type=int, default=20000, help="the agent's accepted filings")
    p.add_argument("--drafts", type=int, default=200, help="drafts in the cart at checkout")
    p.add_argument("--deliveries", type=int, default=2000,
                   help="due filings the connector delivers (at most what is due)")
    p.add_argument("--seconds", type=float, default=20, help="load per URL")
    p.add_argument("--clients", type=int, default=8, help="load threads")
    p.add_argument("--database-url", default="",
                   help="a PostgreSQL server to make (and drop) the database on")
    p.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    p.add_argument("--readme", type=Path, default=None,
                   help="write the figures into the marked section of this file")
    return p.parse_args(argv)


def run(args) -> dict:
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-bench.")))
        if args.sqlite:
            url = f"sqlite:///{folder / 'portal.db'}"
        else:
            server = args.database_url or stack.enter_context(postgres_cluster())
            url = stack.enter_context(own_database(server))
        port, sim_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        token = secrets.token_urlsafe(24)
        env = {"PORTAL_DATA_DIR": str(folder / "data"), "DATABASE_URL": url,
               "PORTAL_ENV": "development", "DEMO_PASSWORD": PASSWORD, "JOBS_MODE": "worker",
               "RATELIMIT_ENABLED": "0", "PORTAL_URL": base,
               "BACKOFFICE_URL": f"http://127.0.0.1:{sim_port}", "BACKOFFICE_TOKEN": token,
               # whatever the calling shell says: plain HTTP, no Redis, no second factor
               "PORTAL_HTTPS": "0", "SERVER_NAME": "", "REDIS_URL": "", "PROXY_FIX_HOPS": "0",
               "SECOND_FACTOR_REQUIRED_FOR_AGENTS": "0"}
        os.environ.update(env)  # this process's app (seeding, the connector) and the servers
        (folder / "data").mkdir()
        from portal import create_app

        app = create_app()
        result = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                  "load_before": load_average(),
                  "machine": machine(app, "sqlite" if args.sqlite else "postgresql")}
        say(f"{result['machine']['database']}; seeding {args.filings} filings and "
            f"{args.drafts} drafts")
        prepared = prepare(app, args.filings, args.drafts)
        result["times"] = prepared["times"]
        logs = stack.enter_context(open(folder / "servers.log", "w", buffering=1))
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--timeout", "1800",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "portal:create_app()"],
            cwd=ROOT, stdout=logs, stderr=logs)
        stack.callback(stop, gunicorn)
        sim = subprocess.Popen(
            [str(BIN / "flask"), "--app", "portal", "backoffice-sim", "--port", str(sim_port),
             "--token", "unused"], cwd=ROOT, stdout=logs, stderr=logs)
        stack.callback(stop, sim)
        say("starting gunicorn and the back-office simulator")
        wait_up(f"{base}/healthz", gunicorn, folder / "servers.log")
        wait_up(f"http://127.0.0.1:{sim_port}/healthz", sim, folder / "servers.log")
        say("logging in")
        web = log_in(base)
        for name, path in (("healthz", "/healthz"), ("dashboard", "/dashboard")):
            say(f"load on {path}")
            result[name] = load(base + path, web.cookies, args.seconds, args.clients)
        say("checkout and receipt")
        result["checkout"] = checkout_and_receipt(base, web, args.drafts)
        say("cursor walk")
        result["walk"] = cursor_walk(base, prepared["token"])
        result["rss"] = worker_rss(gunicorn.pid)
        say("deliveries")
        result["deliveries"] = deliveries(app, args.deliveries)
        result["load_after"] = load_average()
        result["loaded"] = max(result["load_before"], result["load_after"]) > 1.0
        say("stopping the servers")
        return result


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def load_average() -> float:
    return round(os.getloadavg()[0], 1)


def main(argv=None) -> int:
    args = parse(argv)
    # Stopped with SIGTERM: unwind, so that the servers, the database and the cluster go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    result = run(args)
    text = report(result, args)
    print()
    print(text)
    print(f"\n(whole run {time.perf_counter() - started:.0f} s)")
    if args.readme:
        options = " ".join(a for a in (sys.argv[1:] if argv is None else argv)
                           if not a.startswith("--readme") and a != str(args.readme))
        command = ("make bench" if not options else
                   f".venv/bin/python benchmarks/bench.py {options}")
        write_readme(args.readme, text, command)
        print(f"written to {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
