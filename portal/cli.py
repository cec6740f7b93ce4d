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
    def seed_demo_command(filings: int):
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
            seed_filings(agent, filings, progress=lambda n: click.echo(f"  {n} filings", err=True))
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
        client.revoked_at = client.revoked_at or utcnow()
        db.session.commit()
        click.echo(f"API client {client.id} {client.name!r} revoked")

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
