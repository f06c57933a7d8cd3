"""`followup alerts list` and `followup alerts ack`."""

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
