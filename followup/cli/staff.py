"""`followup staff add`: accounts for the web pages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

# Paragraphs on one line each: the help reflows them to the terminal's width.
from followup.cli.common import (
    database,
    friendly,
    out,
    staff_app,
)
from followup.core import clock
from followup.core.errors import ConfigError


@staff_app.command("add")
@friendly
def staff_add(
    email: Annotated[str, typer.Argument(help="The person's email; it is their sign-in name.")],
    role: Annotated[
        str, typer.Option(help="admin (templates, staff, tokens) or clinician (read, acknowledge).")
    ],
) -> None:
    """Create a staff account. The password is asked on the terminal, or read from stdin."""
    import getpass

    from followup.staff import add_staff

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise ConfigError("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise ConfigError(
                "no password on standard input: pipe one in, or run this at a terminal to be asked"
            )
    with database() as (_, _, engine):
        user = add_staff(engine, email, role, password, clock.now())
    out.print(f"{user.email} can now sign in as {user.role}", markup=False)
