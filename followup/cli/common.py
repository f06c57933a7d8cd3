"""What every command shares: the app and its groups, one-line errors, settings and the
database for a command, clinic time, JSON output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine

from followup.core.errors import ConfigError, FollowupError
from followup.db.migrate import connected, require_current
from followup.ops.logs import configure_logging
from followup.protocol import Protocol, load_protocol
from followup.settings import Settings, load_settings

# Paragraphs on one line each: the help reflows them to the terminal's width.


# Paragraphs on one line each: the help reflows them to the terminal's width.
HELP = (
    "Follow-up messages for ketamine infusion clinics: calendar in, SMS and email out.\n\n"
    "Start with `followup run` (the worker and the web together; `make run` in the project's "
    "folder), then open the staff address it logs. `followup COMMAND --help` for each "
    "command; the README has the settings."
)


# No local variables in crash output: they may hold phone numbers or message bodies.
app = typer.Typer(
    add_completion=False, no_args_is_help=True, help=HELP, pretty_exceptions_show_locals=False
)


db_app = typer.Typer(no_args_is_help=True, help="Database migrations.")


app.add_typer(db_app, name="db")


templates_app = typer.Typer(no_args_is_help=True, help="Message templates.")


app.add_typer(templates_app, name="templates")


alerts_app = typer.Typer(no_args_is_help=True, help="Alerts raised by patients' replies.")


app.add_typer(alerts_app, name="alerts")


reports_app = typer.Typer(no_args_is_help=True, help="Symptom reports.")


app.add_typer(reports_app, name="reports")


staff_app = typer.Typer(no_args_is_help=True, help="Staff accounts for the web pages.")


app.add_typer(staff_app, name="staff")


triage_app = typer.Typer(no_args_is_help=True, help="Triage of patients' replies.")


app.add_typer(triage_app, name="triage")


compliance_app = typer.Typer(
    no_args_is_help=True,
    help="Going live in the US: the carrier registration kit, the texts' check, consent records.",
)


app.add_typer(compliance_app, name="compliance")


err = Console(stderr=True, highlight=False, soft_wrap=True)


# Piped output (scripts, logs) gets wide tables instead of ones folded to 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


F = TypeVar("F", bound=Callable[..., Any])


def friendly(func: F) -> F:
    """Turn followup's own errors into one line on stderr and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FollowupError as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def setup(require_current_db: bool = True, service: bool = False) -> tuple[Settings, Protocol]:
    settings = load_settings()
    # Interactive commands print their own summary; log lines there would repeat it.
    configure_logging(settings.log_level if service else "WARNING", settings.log_format)
    protocol = load_protocol(settings.protocol_file)
    if not settings.templates_dir.is_dir():
        # Otherwise every template would be reported missing, one line each.
        where = "" if settings.templates_dir.is_absolute() else f" in {Path.cwd()}"
        raise ConfigError(
            f"{settings.templates_dir}: no templates folder{where}; set "
            "FOLLOWUP_TEMPLATES_DIR to its path, or run followup inside the project's folder"
        )
    if require_current_db:
        require_current(settings.database_url)
    return settings, protocol


@contextmanager
def database() -> Iterator[tuple[Settings, Protocol, Engine]]:
    """Settings, protocol and an engine on a current database, for one command."""
    settings, protocol = setup()
    with connected(settings.database_url) as engine:
        yield settings, protocol, engine


def local(value: datetime, protocol: Protocol, fmt: str = "%a %Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the clinic reads it."""
    return value.astimezone(protocol.clinic.tz).strftime(fmt)


def fields_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Datetimes as ISO UTC with Z, None as null, the rest as is."""
    return {
        key: value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
        for key, value in values.items()
    }
