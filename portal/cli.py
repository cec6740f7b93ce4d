"""Commands: `flask --app portal <command>`."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from portal.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--filings", "filings", type=click.IntRange(0, 1_000_000), default=0,
                  help="Also create this many accepted filings for agent@example.org.")
    @click.option("--delivered", type=click.FloatRange(0, 1), default=0.0,
                  help="The share of those filings shown as delivered long ago, with office "
                       "statuses (default 0: all due for the connector).")
    def seed_demo_command(filings: int, delivered: float):
        """Create the demo office and the demo accounts (idempotent; refused in production);
        with --filings N, N accepted filings of mixed kinds and types for the demo agent."""
        import time

        from portal.seed import seed_demo

        try:
            office, users, password = seed_demo()
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        if filings:
            from portal.demo_filings import seed_filings

            agent = next(u for u in users if u.email == "agent@example.org")
            start = time.perf_counter()
            seed_filings(agent, filings, delivered=delivered,
                         progress=lambda n: click.echo(f"  {n} filings", err=True))
            db.session.commit()
            click.echo(f"{filings} accepted filings for {agent.email} in "
                       f"{time.perf_counter() - start:.1f} s")
        click.echo(f"Demo office: {office.name} ({office.currency}, {office.timezone})")
        click.echo("Demo accounts (password below):")
        for user in users:
            click.echo(f"  {user.role.value:<10} {user.email}")
        click.echo(f"Password: {password}")

    api_group = click.Group("api-client", help="API clients of the back office and others.")
    app.cli.add_command(api_group)

    @api_group.command("create")
    @click.argument("name")
    @click.option("--scopes", required=True,
                  help='Space- or comma-separated, e.g. "submissions:read submissions:write".')
    def api_client_create(name: str, scopes: str):
        """Create an API client; its token is printed last, once (only a hash is kept)."""
        from portal.api.models import create_client

        wanted = [s for s in scopes.replace(",", " ").split() if s]
        try:
            client, token = create_client(name, wanted)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        from portal.audit import audit

        audit("api_client.created", obj=client, actor="command line",
              after={"name": client.name, "scopes": client.scopes})
        db.session.commit()
        click.echo(f"API client {client.id} {client.name!r}: {' '.join(client.scopes)}")
        click.echo(token)

    @api_group.command("revoke")
    @click.argument("client_id", type=int)
    def api_client_revoke(client_id: int):
        """Revoke an API client's token: it is refused from now on."""
        from portal.api.models import ApiClient
        from portal.timeutil import utcnow

        client = db.session.get(ApiClient, client_id)
        if client is None:
            raise click.ClickException(f"no API client {client_id}")
        from portal.audit import audit

        if client.revoked_at is None:
            client.revoked_at = utcnow()
            audit("api_client.revoked", obj=client, actor="command line",
                  before={"revoked": False}, after={"revoked": True})
        db.session.commit()
        click.echo(f"API client {client.id} {client.name!r} revoked")

    from portal.documents.commands import scanner_group

    app.cli.add_command(scanner_group)

    payments_group = click.Group("payments", help="Scheduled work on payments.")
    app.cli.add_command(payments_group)

    @payments_group.command("expire")
    def expire_command():
        """Cancel unpaid bank transfers past their period and grace; remind the others."""
        from payments.office import expire_transfers, remind_transfers

        expired = expire_transfers()
        reminded = remind_transfers()
        db.session.commit()
        click.echo(f"expired {expired}, reminded {reminded}")

    deposit_group = click.Group("deposit", help="Deposit accounts.")
    app.cli.add_command(deposit_group)

    @deposit_group.command("open")
    @click.argument("email")
    @click.option("--currency", default=None, help="Defaults to the office's currency.")
    def open_deposit(email: str, currency: str | None):
        """Open the deposit account of EMAIL (its firm's, for an agent)."""
        from payments.providers.deposit_account import open_account
        from portal.auth.models import User
        from portal.auth.services import normalise_email
        from portal.office.models import current_office

        user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
        if user is None:
            raise click.ClickException(f"no account with the email address {email}")
        office = current_office()
        account = open_account(user, currency or (office.currency if office else "USD"))
        db.session.commit()
        click.echo(f"DA-{account.id:06d} {account.currency} {account.balance}")

    user_group = click.Group("user", help="Manage accounts.")
    app.cli.add_command(user_group)

    @user_group.command("set-role")
    @click.argument("email")
    @click.argument("role", type=click.Choice(["applicant", "agent", "staff", "admin"]))
    def set_role(email: str, role: str):
        """Give the account EMAIL the role ROLE (audited)."""
        from portal.auth.models import Role, User
        from portal.auth.services import change_role, normalise_email

        user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
        if user is None:
            raise click.ClickException(f"no account with the email address {email}")
        change_role(user, Role(role), actor="command line")
        db.session.commit()
        click.echo(f"{user.email} is now {role}")

    @user_group.command("reset-second-factor")
    @click.argument("email")
    def reset_second_factor(email: str):
        """Remove the second factor of EMAIL (a lost phone, a changed SECRET_KEY): its sessions
        end and it sets up a new one at its next login (audited)."""
        from portal.auth.models import User
        from portal.auth.second_factor import reset
        from portal.auth.services import normalise_email

        user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
        if user is None:
            raise click.ClickException(f"no account with the email address {email}")
        done = reset(user, actor="command line")
        db.session.commit()
        click.echo(f"{user.email}: second factor reset; it sets up a new one at its next login"
                   if done else f"{user.email} has no second factor")

    register_background(app)


def register_background(app: Flask) -> None:
    """The worker, the connector and the back-office simulator."""

    @app.cli.command("worker")
    @click.option("--beat", is_flag=True,
                  help="Scale-out mode: also run the periodic schedule (on one node only).")
    @click.option("--concurrency", type=click.IntRange(1, 64), default=None,
                  help="Scale-out mode: Celery worker processes (default: one per core).")
    def worker_command(beat: bool, concurrency: int | None):
        """Run the background work: deliveries to the back office, mail and receipts.

        Embedded default: one loop in this process. With REDIS_URL (JOBS_MODE=celery): a Celery
        worker over Redis."""
        from flask import current_app

        if current_app.config["JOBS_MODE"] == "celery":
            argv = ["worker", "--loglevel=INFO"]
            if beat:
                argv.append("--beat")
            if concurrency:
                argv.append(f"--concurrency={concurrency}")
            current_app.extensions["celery"].worker_main(argv)
            return
        from portal.jobs.worker import run, stop_on_signals

        target = current_app.config["BACKOFFICE_URL"] or "no BACKOFFICE_URL: no deliveries"
        click.echo(f"worker: jobs and deliveries ({target}); stop with Ctrl-C", err=True)
        run(stop_on_signals(), echo=lambda line: click.echo(line, err=True))

    connector_group = click.Group("connector", help="Deliveries to the back office.")
    app.cli.add_command(connector_group)

    @connector_group.command("run")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
    @click.option("--limit", type=click.IntRange(1), default=None,
                  help="At most this many tries.")
    def connector_run(once: bool, limit: int | None):
        """Deliver accepted filings to BACKOFFICE_URL (with --once: what is due, then exit;
        without: keep going, every CONNECTOR_POLL_SECONDS)."""
        import time

        from flask import current_app

        from portal.backoffice.connector import NotConfigured, deliver_due
        from portal.jobs.worker import stop_on_signals

        stop = stop_on_signals()
        while True:
            start = time.perf_counter()
            try:
                done = deliver_due(limit=limit)
            except NotConfigured as exc:
                raise click.ClickException(str(exc)) from exc
            if done or once:
                seconds = time.perf_counter() - start
                parts = ", ".join(f"{n} {kind}" for kind, n in sorted(done.items())) or "nothing"
                click.echo(f"{parts} in {seconds:.1f} s")
            if once or stop.wait(current_app.config["CONNECTOR_POLL_SECONDS"]):
                break

    @connector_group.command("status")
    def connector_status():
        """How many deliveries are in each state."""
        from sqlalchemy import func

        from portal.backoffice.models import OutboxMessage

        rows = db.session.execute(select(OutboxMessage.state, func.count())
                                  .group_by(OutboxMessage.state)).all()
        for state, count in sorted(rows, key=lambda r: r[0].value):
            click.echo(f"{state.value:<10} {count}")

    @app.cli.command("backoffice-sim")
    @click.option("--port", type=click.IntRange(1, 65535), default=5001, show_default=True)
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--portal-url", default=None,
                  help="Where the portal's API is (default: PORTAL_URL).")
    @click.option("--token", envvar="BACKOFFICE_SIM_TOKEN", default=None,
                  help="API token for the portal (submissions:read submissions:write); "
                       "default: a client 'Back-office simulator' is made in the portal's "
                       "database for this run.")
    @click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
                  help="Its own SQLite file (default: backoffice-sim.db in the data dir).")
    def backoffice_sim(port: int, host: str, portal_url: str | None, token: str | None,
                       db_path: str | None):
        """Run the back-office simulator: it receives the connector's deliveries (checking
        BACKOFFICE_TOKEN) and sends status changes and notifications back."""
        from pathlib import Path

        from flask import current_app
        from werkzeug.serving import run_simple

        from portal.backoffice.simulator import create_sim_app

        cfg = current_app.config
        if token is None:
            token = _simulator_token(Path(cfg["PORTAL_DATA_DIR"]) / "backoffice-sim-token")
        sim = create_sim_app(
            db_path=Path(db_path or Path(cfg["PORTAL_DATA_DIR"]) / "backoffice-sim.db"),
            portal_url=portal_url or cfg["PORTAL_URL"], portal_token=token,
            inbound_token=cfg["BACKOFFICE_TOKEN"])
        db.session.remove()
        click.echo(f"Back-office simulator on http://{host}:{port}/ (receives POST /filings)",
                   err=True)
        run_simple(host, port, sim, threaded=True, use_reloader=False)


def _simulator_token(path) -> str:
    """The simulator's API token, kept in the data dir (mode 600) and made once."""
    import os

    from portal.api.models import client_for, create_client

    if path.exists():
        token = path.read_text().strip()
        if client_for(token) is not None:
            return token
    _client, token = create_client("Back-office simulator",
                                   ["submissions:read", "submissions:write"])
    db.session.commit()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(token + "\n")
    return token
