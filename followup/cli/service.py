"""Running the service: migrate the database, the worker, the web, both together."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
from followup.db.engine import make_engine
from followup.db.migrate import connected, describe, upgrade
from followup.protocol import Protocol
from followup.settings import Settings, load_settings

log = logging.getLogger("followup.compliance")


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
    check_texts(settings, protocol)
    run_service(settings, protocol)


@app.command("web")
@friendly
def web_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    fallback: Annotated[
        bool,
        typer.Option(
            help="Run as the fallback for Twilio's webhooks only: starts and answers with "
            "the database down, journals every message, stores it when the database returns."
        ),
    ] = False,
) -> None:
    """Run the web process alone: staff pages, Twilio webhooks, JSON API, health checks."""
    from followup.web.serve import listen, serve

    settings, protocol = setup(require_current_db=not fallback, service=True)
    listener = listen(host, port)
    if not fallback:
        check_texts(settings, protocol)
    if fallback:
        engine = make_engine(settings.database_url)
        try:
            serve(settings, engine, listener, host, fallback=True)
        finally:
            engine.dispose()
        return
    with connected(settings.database_url) as engine:
        serve(settings, engine, listener, host)


@app.command("run")
@friendly
def run_command(
    host: Annotated[str, typer.Option(help="Address the web part listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the web part listens on.")] = 8000,
    fallback_port: Annotated[
        int | None,
        typer.Option(
            help="Also start the fallback web process (`followup web --fallback`) on this "
            "port, for the Twilio number's fallback URL."
        ),
    ] = None,
) -> None:
    """Upgrade the database, then run worker and web in one process."""
    from followup.web.serve import listen, serve
    from followup.worker import run_service

    settings, protocol = setup(require_current_db=False, service=True)
    # Bound before the worker starts: a port in use stops start-up before anything runs.
    listener = listen(host, port)
    _upgrade(settings)
    check_texts(settings, protocol)
    with fallback_process(host, fallback_port):
        run_service(settings, protocol, web=lambda engine: serve(settings, engine, listener, host))


def check_texts(settings: Settings, protocol: Protocol) -> None:
    """Hold the texts on disk to the carriers' rules and say what fails, at start-up.

    Logged, never fatal: a clinic whose opt-in wording lacks a link must still answer
    its patients' crisis texts. The opt-in page refuses to collect consent meanwhile.
    """
    from followup.compliance.texts import check_compliance
    from followup.messages.render import Renderer

    problems = check_compliance(Renderer(settings.templates_dir), protocol)
    for problem in problems:
        log.error("not ready for US carriers: %s", problem)
    if not problems:
        log.info("the texts pass the US carrier rules (followup compliance kit writes the kit)")


@contextmanager
def fallback_process(host: str, port: int | None) -> Iterator[None]:
    """`followup web --fallback` as a process of its own (it must outlive a crash of
    this one), stopped when this one stops."""
    if port is None:
        yield
        return
    command = [sys.executable, "-m", "followup", "web", "--fallback", "--host", host]
    child = subprocess.Popen([*command, "--port", str(port)])
    try:
        yield
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
