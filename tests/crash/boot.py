"""Run the portal in a process that SIGKILLs itself at one named point: a test-only bootstrap,
so that production code carries no crash hooks.

    python -m tests.crash.boot web PORT        serve the portal on 127.0.0.1:PORT
    python -m tests.crash.boot connector       deliver what is due once, print the counts

with the app's configuration as JSON in CRASH_CONFIG and CRASH_POINT (optional) naming the point
in POINTS; or, the same, `fork(...)` from a process that has imported the portal already (the
tests do: a fresh interpreter takes seconds to import it on a loaded machine).

A point wraps one function, looked up on its module at call time:

- "before": flush what the request or run has done so far, then die before the call;
- "after": make the call, flush what it changed (sent to the database, not committed), die;
- "after_commit": make the call, then die right after the transaction that made it commits
  (the work is stored; the answer never leaves the process).

CRASH_LOG (`crash_log`, optional) names a file that gets one JSON line per Stripe
PaymentIntent creation, with its parameters: Stripe answers a reused idempotency key with an
error unless the parameters are the same, which localstripe does not check.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import signal
import sys

POINTS = {
    # checkout: order, items, fees, payment (and a debit or a Stripe intent) flushed
    "checkout.before_commit": ("payments.services", "checkout", "after"),
    "checkout.after_commit": ("payments.services", "checkout", "after_commit"),
    # payment confirmation: the payment is marked succeeded, the order not yet paid
    "payment.recorded": ("payments.services", "_mark_paid", "before"),
    "payment.after_commit": ("payments.services", "confirm_payment", "after_commit"),
    # staff's bank transfer confirmation: everything done and audited, not committed
    "transfer.before_commit": ("payments.office", "confirm_transfer", "after"),
    "transfer.after_commit": ("payments.office", "confirm_transfer", "after_commit"),
    # delivery: claimed and logged, nothing sent yet
    "deliver.before_request": ("portal.backoffice.connector", "post", "before"),
    # the back office stored it and answered; nothing recorded yet
    "deliver.after_answer": ("portal.backoffice.connector", "post", "after"),
    # the outcome is being recorded: outbox row, filing and history changed, not committed
    "deliver.during_record": ("portal.backoffice.connector", "_delivered", "after"),
}


def die() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _flush() -> None:
    from portal.extensions import db

    db.session.flush()


def arm(point: str) -> None:
    module_name, name, when = POINTS[point]
    module = importlib.import_module(module_name)
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        if when == "before":
            _flush()
            die()
        result = original(*args, **kwargs)
        if when == "after":
            _flush()
            die()
        from portal.txn import on_commit

        on_commit(die)
        return result

    setattr(module, name, wrapper)


def spy_on_stripe(path: str) -> None:
    from payments.providers.stripe import client, provider

    original = client.create_intent

    def create_intent(amount, currency, **kwargs):
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"amount": str(amount), "currency": currency, **kwargs},
                                 sort_keys=True) + "\n")
            out.flush()
            os.fsync(out.fileno())
        return original(amount, currency, **kwargs)

    provider.create_intent = create_intent


def run(mode: str, args: list[str], config: dict, point: str | None = None,
        crash_log: str | None = None) -> None:
    """Build the app from `config`, arm `point`, then serve (mode "web", args [port]) or
    deliver what is due once (mode "connector")."""
    from portal import create_app

    app = create_app(config)
    if crash_log:
        spy_on_stripe(crash_log)
    if point:
        arm(point)
    if mode == "web":
        from werkzeug.serving import make_server

        server = make_server("127.0.0.1", int(args[0]), app)
        print("serving", flush=True)
        server.serve_forever()
    elif mode == "connector":
        from portal.backoffice.connector import deliver_due

        with app.app_context():
            print(json.dumps(dict(deliver_due())), flush=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


def fork(mode: str, args: list[str], config: dict, log_path: str, *, point: str | None = None,
         crash_log: str | None = None) -> int:
    """`run` in a child process forked from this one (which has imported the portal already:
    a start in a fraction of a second instead of seconds); the child's id. The child writes
    its output to `log_path` and never returns into the caller's code."""
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        out = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115  (the child's own streams)
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        run(mode, args, config, point, crash_log)
        status = 0
    except BaseException:  # the child reports, and never unwinds into the parent's code
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def main(argv: list[str]) -> int:
    run(argv[0], argv[1:], json.loads(os.environ["CRASH_CONFIG"]),
        os.environ.get("CRASH_POINT"), os.environ.get("CRASH_LOG"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
