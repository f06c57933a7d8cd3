"""`followup alerts list`, `followup alerts ack` and `followup alerts test-call`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

# Paragraphs on one line each: the help reflows them to the terminal's width.
from followup.cli.common import (
    alerts_app,
    database,
    fields_of,
    friendly,
    jsonable,
    local,
    out,
)
from followup.core import clock
from followup.core.errors import ConfigError


@alerts_app.command("list")
@friendly
def alerts_list(
    format: Annotated[
        str, typer.Option("--format", help="table or json (one object a line).")
    ] = "table",
    all: Annotated[bool, typer.Option("--all", help="Include acknowledged alerts.")] = False,
) -> None:
    """Open alerts, the most severe first, with the patient and how to reach them."""
    from followup.alerts import list_alerts

    if format not in ("json", "table"):
        raise ConfigError(f"--format {format!r}: use table or json")
    with database() as (_, protocol, engine):
        alerts = list_alerts(engine, include_acknowledged=all)
    if format == "json":
        for alert in alerts:
            sys.stdout.write(json.dumps(jsonable(fields_of(alert))) + "\n")
        return
    table = Table(title=f"{len(alerts)} alerts")
    for column in (
        "id",
        "severity",
        "raised (clinic time)",
        "patient",
        "phone",
        "reason",
        "acknowledged",
    ):
        table.add_column(column, overflow="fold")
    for a in alerts:
        ack = (
            f"{a.acknowledged_by} {a.acknowledged_at:%Y-%m-%d %H:%M}"
            if a.acknowledged_at
            else "OPEN"
        )
        who = f"{a.patient_id} {a.patient_name}" if a.patient_id else a.patient_name
        raised = local(a.created_at, protocol)
        table.add_row(str(a.id), a.severity, raised, who, a.patient_phone or "", a.reason, ack)
    out.print(table)


@alerts_app.command("ack")
@friendly
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(help="The alert's id.")],
    by: Annotated[str, typer.Option("--by", help="Who is taking it (email or name).")],
    note: Annotated[str | None, typer.Option(help="What was done.")] = None,
) -> None:
    """Acknowledge an alert: escalation stops, and a crisis pause lifts with the last one."""
    from followup.alerts import acknowledge

    with database() as (_, _, engine):
        view = acknowledge(engine, alert_id, by, note, clock.now())
    out.print(f"alert {view.id} acknowledged by {view.acknowledged_by}", markup=False)


@alerts_app.command("test-call")
@friendly
def alerts_test_call(
    name: Annotated[str, typer.Argument(help="The on-call person's name, as in [[on_call]].")],
    wait: Annotated[
        int, typer.Option(help="Seconds to wait for the outcome (0: do not wait).", min=0)
    ] = 120,
    by: Annotated[str, typer.Option("--by", help="Who asks (the audit log keeps it).")] = "cli",
) -> None:
    """Phone an on-call person now and ask them to press 1: the number, the Twilio number's
    voice setup and the public address all work. Exit status 0 when they pressed 1."""
    import time

    from followup.alerts.call_history import call_of, call_state, request_test_call
    from followup.dispatch.calls import build_dialer, voice_problem

    with database() as (settings, protocol, engine):
        dialer = build_dialer(settings, protocol, engine)
        if dialer is None:
            raise ConfigError(voice_problem(settings, protocol) or "phone calls are not set up")
        call = request_test_call(engine, protocol, name, by, clock.now())
        if not dialer.place(call.id or 0):
            stood = call_of(engine, call.id or 0)
            state = call_state(stood) if stood else "not placed"
            out.print(f"the test call to {call.contact_name} was not placed: {state}", markup=False)
            raise typer.Exit(1)
        out.print(f"calling {call.contact_name}: answer and press 1", markup=False)
        deadline = time.monotonic() + wait
        now = call_of(engine, call.id or 0)
        while now is not None and now.status != "ended" and time.monotonic() < deadline:
            time.sleep(1)
            now = call_of(engine, call.id or 0)
    if now is None or now.status != "ended":
        out.print("no outcome yet: it shows on the Staff page when Twilio reports it", markup=False)
        raise typer.Exit(1)
    out.print(f"{call.contact_name}: {call_state(now)}", markup=False)
    if now.outcome != "confirmed":
        raise typer.Exit(1)
