"""`flask --app portal scanner check`: is the configured virus scanner there and answering?"""

from __future__ import annotations

import click
from flask import current_app

from portal.documents.scanner import ClamdError, ClamdScanner, scanner_from_config

NOT_CONFIGURED = 2

scanner_group = click.Group("scanner", help="The virus scanner of uploads (clamd).")


@scanner_group.command("check")
def check_command():
    """Ask clamd for PING and VERSION and print its version. Exits 1 when clamd cannot be
    reached or does not answer, 2 when no scanner is configured (uploads are not scanned)."""
    scanner = scanner_from_config(current_app.config)
    if not isinstance(scanner, ClamdScanner):
        click.echo("No virus scanner is configured (CLAMD_SOCKET, or CLAMD_HOST and "
                   "CLAMD_PORT): uploads are not scanned.", err=True)
        raise SystemExit(NOT_CONFIGURED)
    try:
        scanner.ping()
        version = scanner.version()
    except (OSError, ClamdError) as exc:
        click.echo(f"clamd at {scanner.address} does not answer: {exc!r}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"clamd at {scanner.address}: {version}")
