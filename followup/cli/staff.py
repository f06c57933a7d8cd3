"""`followup staff add`, `list`, `reset-password` and `disable`: accounts for the web pages.

Changes made here are audited as the actor "cli"; a reset password and a disabled
account end every session of the person, as the same change made on the Staff page does.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from followup.cli.common import (
    database,
    friendly,
    jsonable,
    local,
    out,
    staff_app,
)
from followup.core import clock
from followup.core.errors import ConfigError

# Paragraphs on one line each: the help reflows them to the terminal's width.
from followup.protocol import Protocol
from followup.staff.scope import parse_locations

if TYPE_CHECKING:
    from followup.db.models import StaffUser


@staff_app.command("add")
@friendly
def staff_add(
    email: Annotated[str, typer.Argument(help="The person's email; it is their sign-in name.")],
    role: Annotated[
        str, typer.Option(help="admin (templates, staff, tokens) or clinician (read, acknowledge).")
    ],
    locations: Annotated[
        str,
        typer.Option(help="The location keys they see, comma-separated; * (default): every one."),
    ] = "*",
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
    with database() as (_, protocol, engine):
        keys = location_keys(protocol, locations)
        user = add_staff(engine, email, role, password, clock.now(), locations=keys)
    out.print(f"{user.email} can now sign in as {user.role}", markup=False)


@staff_app.command("locations")
@friendly
def staff_locations(
    email: Annotated[str, typer.Argument(help="The person's email.")],
    locations: Annotated[
        str, typer.Argument(help="The location keys they see, comma-separated; * for every one.")
    ],
) -> None:
    """Change which locations' patients a person sees; their sessions end."""
    from followup.staff import set_locations

    with database() as (_, protocol, engine):
        keys = location_keys(protocol, locations)
        user = set_locations(engine, email, keys, "cli", clock.now())
    out.print(f"{user.email} now sees: {user.locations}", markup=False)


def location_keys(protocol: Protocol, given: str) -> frozenset[str] | None:
    """The keys a command was given, each checked against the protocol's locations."""
    keys = parse_locations(given)
    for key in sorted(keys or ()):
        if key not in protocol.location_keys:
            known = ", ".join(protocol.location_keys)
            raise ConfigError(f"no location {key!r} in the protocol (its locations: {known})")
    return keys


@staff_app.command("list")
@friendly
def staff_list(
    format: Annotated[
        str, typer.Option("--format", help="table or json (one object a line).")
    ] = "table",
) -> None:
    """Every staff account: role, state (active, locked, disabled) and last sign-in."""
    from followup.staff import list_staff

    if format not in ("json", "table"):
        raise ConfigError(f"--format {format!r}: use table or json")
    with database() as (_, protocol, engine):
        people = list_staff(engine)
    now = clock.now()

    def state(person: StaffUser) -> str:
        if person.disabled_at:
            return "disabled"
        return "locked" if person.locked_until and person.locked_until > now else "active"

    if format == "json":
        for p in people:
            row = {
                "id": p.id,
                "email": p.email,
                "role": p.role,
                "locations": p.locations,
                "state": state(p),
                "last_sign_in_at": p.last_sign_in_at,
                "created_at": p.created_at,
            }
            sys.stdout.write(json.dumps(jsonable(row)) + "\n")
        return
    table = Table(title=f"{len(people)} staff accounts")
    for column in ("id", "email", "role", "locations", "state", "last sign-in (clinic time)"):
        table.add_column(column, overflow="fold")
    for p in people:
        when = local(p.last_sign_in_at, protocol) if p.last_sign_in_at else "never"
        table.add_row(str(p.id), p.email, p.role, p.locations, state(p), when)
    out.print(table)


@staff_app.command("reset-password")
@friendly
def staff_reset_password(
    email: Annotated[str, typer.Argument(help="The person's email (their sign-in name).")],
) -> None:
    """Give a person a new random password, printed once here to hand over; their
    sessions end and any lockout is lifted. They change it on their password page."""
    from followup.staff import generate_password, set_password

    password = generate_password()
    with database() as (_, _, engine):
        user = set_password(engine, email, password, "cli", clock.now())
    # The password goes to stdout only, once: it is stored as a hash and never logged.
    out.print(f"new password for {user.email}: {password}", markup=False)
    out.print(
        "Every session of theirs has ended. Hand it over in person or by phone; "
        "they can change it from their address in the page header.",
        markup=False,
    )


@staff_app.command("disable")
@friendly
def staff_disable(
    email: Annotated[str, typer.Argument(help="The person's email (their sign-in name).")],
) -> None:
    """Stop a person signing in: their sessions end at once and their API tokens stop.
    The last enabled admin is never disabled. The Staff page enables them again."""
    from followup.staff import disable_staff

    with database() as (_, _, engine):
        user = disable_staff(engine, email, "cli", clock.now())
    out.print(f"{user.email} is disabled; every session of theirs has ended", markup=False)
