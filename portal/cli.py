"""Commands: `flask --app portal <command>`."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from portal.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create the demo office and the demo accounts (idempotent; refused in production)."""
        from portal.seed import seed_demo

        try:
            office, users, password = seed_demo()
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"Demo office: {office.name} ({office.currency}, {office.timezone})")
        click.echo("Demo accounts (password below):")
        for user in users:
            click.echo(f"  {user.role.value:<10} {user.email}")
        click.echo(f"Password: {password}")

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
