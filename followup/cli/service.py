"""Running the service: migrate the database, the worker, the web, both together."""

from __future__ import annotations

from typing import Annotated

import typer

# Paragraphs on one line each: the help reflows them to the terminal's width.
from followup.cli.common import (
    app,
    db_app,
    friendly,
    out,
    setup,
)
from followup.db.migrate import connected, describe, upgrade
from followup.settings import Settings, load_settings


@db_app.command("upgrade")
@friendly
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    settings = load_settings()
    _upgrade(settings)
    out.print(f"database {describe(settings.database_url)} is up to date", markup=False)


def _upgrade(settings: Settings) -> None:
    with connected(settings.database_url) as engine:
        upgrade(engine)


@app.command("worker")
@friendly
def worker_command() -> None:
    """Run the background worker: calendar sync and sending, on a schedule."""
    from followup.worker import run_service

    settings, protocol = setup(service=True)
    run_service(settings, protocol)


@app.command("web")
@friendly
def web_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web process alone: staff pages, Twilio webhooks, JSON API, health checks."""
    from followup.web.serve import listen, serve

    settings, _ = setup(service=True)
    listener = listen(host, port)
    with connected(settings.database_url) as engine:
        serve(settings, engine, listener, host)


@app.command("run")
@friendly
def run_command(
    host: Annotated[str, typer.Option(help="Address the web part listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the web part listens on.")] = 8000,
) -> None:
    """Upgrade the database, then run worker and web in one process."""
    from followup.web.serve import listen, serve
    from followup.worker import run_service

    settings, protocol = setup(require_current_db=False, service=True)
    # Bound before the worker starts: a port in use stops start-up before anything runs.
    listener = listen(host, port)
    _upgrade(settings)
    run_service(settings, protocol, web=lambda engine: serve(settings, engine, listener, host))
