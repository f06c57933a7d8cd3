"""Read-only views for operators: the message plan, the inbox, the worklist, reports."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

# Paragraphs on one line each: the help reflows them to the terminal's width.
from followup.cli.common import (
    app,
    database,
    friendly,
    jsonable,
    local,
    out,
    reports_app,
)
from followup.core import clock
from followup.core.errors import ConfigError


@app.command("messages")
@friendly
def messages_command(
    status: Annotated[
        str | None, typer.Option(help="Only this status: pending, sent, failed, ...")
    ] = None,
    patient: Annotated[str | None, typer.Option(help="Only this patient id.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
    bodies: Annotated[bool, typer.Option(help="Show what was sent (patient information).")] = False,
) -> None:
    """List planned and sent messages: the plan, the outbox, and why any did not go."""
    from followup.db.models import MessageStatus
    from followup.ops.reports import list_messages

    # An unknown status would list nothing, which reads as "no such messages".
    if status is not None and status not in set(MessageStatus):
        raise ConfigError(f"--status {status!r}: use one of {', '.join(MessageStatus)}")
    with database() as (_, protocol, engine):
        rows = list_messages(engine, status=status, patient=patient, limit=limit)
    table = Table(title=f"{len(rows)} messages", show_lines=bodies)
    for column in (
        "id",
        "due (clinic time)",
        "patient",
        "step",
        "channel",
        "status",
        "why / provider id",
    ):
        table.add_column(column, overflow="fold")
    if bodies:
        table.add_column("body", overflow="fold")
    for row in rows:
        cells = [
            str(row.id),
            local(row.due_at, protocol),
            row.patient,
            row.step,
            row.channel,
            row.status,
            row.detail,
        ]
        table.add_row(*cells, *([row.body or ""] if bodies else []))
    out.print(table)


@app.command("inbox")
@friendly
def inbox_command(
    attention: Annotated[
        bool, typer.Option(help="Only messages a person still has to read.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="How many, most urgent first.")] = 50,
    bodies: Annotated[
        bool, typer.Option(help="Show what patients wrote (patient information).")
    ] = False,
) -> None:
    """Every reply, most urgent first, with what the pipeline made of it."""
    from followup.ops.reports import inbox

    with database() as (_, protocol, engine):
        rows = inbox(engine, attention_only=attention, limit=limit)
    table = Table(title=f"{len(rows)} messages", show_lines=bodies)
    for column in (
        "id",
        "received (clinic time)",
        "patient",
        "urgency",
        "kind",
        "what it said",
        "!",
    ):
        table.add_column(column, overflow="fold")
    if bodies:
        table.add_column("message", overflow="fold")
    for row in rows:
        cells = [
            str(row.id),
            local(row.received_at, protocol),
            row.patient or "unknown sender",
            "" if row.urgency == "ordinary" else row.urgency,
            row.kind,
            row.summary,
            "!" if row.needs_attention else "",
        ]
        table.add_row(*cells, *([row.body] if bodies else []))
    out.print(table)


@app.command("worklist")
@friendly
def worklist_command() -> None:
    """Call-back requests and unconfirmed infusions, for the staff on shift."""
    from followup.ops.reports import worklist

    with database() as (_, protocol, engine):
        items = worklist(engine, protocol, clock.now())
    table = Table(title=f"{len(items)} to do")
    for column in ("what", "patient", "phone", "infusion (clinic time)", "asked at"):
        table.add_column(column, overflow="fold")
    for item in items:
        start = local(item.appointment_start, protocol) if item.appointment_start else ""
        since = local(item.since, protocol, "%a %H:%M") if item.since else ""
        what = "call back" if item.kind == "call_request" else "not confirmed"
        table.add_row(
            what, f"{item.patient_id} {item.patient_name}", item.phone or "", start, since
        )
    out.print(table)


@reports_app.command("export")
@friendly
def reports_export(
    patient: Annotated[str | None, typer.Option(help="Only this patient id.")] = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="csv or json (one object a line): symptom reports; fhir: the rating "
            "scales as one FHIR R4 Bundle.",
        ),
    ] = "csv",
    location: Annotated[
        str | None, typer.Option(help="Only this location's patients (its key).")
    ] = None,
    bundle: Annotated[
        str,
        typer.Option(
            help="With --format fhir: collection (a file to keep or hand over) or "
            "transaction (to POST to a FHIR server; each resource a PUT by its id)."
        ),
    ] = "collection",
) -> None:
    """Write every symptom report, or with --format fhir every rating scale, to standard
    output (patient information: mind where it goes)."""
    import csv
    from dataclasses import replace

    from followup.db.models import Patient
    from followup.ops.reports import symptom_reports
    from followup.staff.scope import Scope

    if format not in ("csv", "json", "fhir"):
        raise ConfigError(f"--format {format!r}: use csv, json or fhir")
    if bundle not in ("collection", "transaction"):
        raise ConfigError(f"--bundle {bundle!r}: use collection or transaction")
    if bundle != "collection" and format != "fhir":
        raise ConfigError("--bundle goes with --format fhir")
    if format == "fhir":
        if location is not None:
            raise ConfigError("--location goes with --format csv or json")
        sys.stdout.write(_fhir_bundle(patient, bundle) + "\n")
        return
    with database() as (_, protocol, engine):
        visible = None
        if location is not None:
            if location not in protocol.location_keys:
                known = ", ".join(protocol.location_keys)
                raise ConfigError(f"--location {location!r}: use one of {known}")
            visible = Scope(frozenset({location})).clause(protocol, Patient.location)
        rows = symptom_reports(engine, patient, visible)
        rows = [replace(r, location=protocol.location_key(r.location)) for r in rows]
    columns = [
        "patient_id",
        "appointment_start",
        "survey",
        "question",
        "value",
        "text",
        "reported_at",
        "location",  # last: a file read by column position keeps its columns
    ]
    if format == "json":
        for row in rows:
            sys.stdout.write(
                json.dumps(jsonable({c: getattr(row, c) for c in columns}), ensure_ascii=False)
                + "\n"
            )
        return
    writer = csv.writer(sys.stdout)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([jsonable({"v": getattr(row, c)})["v"] for c in columns])


def _fhir_bundle(patient: str | None, bundle: str) -> str:
    from sqlmodel import Session

    from followup.core import fhir
    from followup.core.errors import PatientNotFound
    from followup.instruments.fhir_export import patient_resources, subjects

    now = clock.now()
    with database() as (settings, protocol, engine), Session(engine) as session:
        found = subjects(session, patient)
        if patient is not None and not found:
            # An empty Bundle would read as "no scales" for a mistyped id.
            raise PatientNotFound(f"no patient has id {patient!r}")
        resources = patient_resources(session, protocol, now, found)
    base = f"{settings.public_url.rstrip('/')}/api/fhir" if settings.public_url else None
    make = fhir.transaction if bundle == "transaction" else fhir.collection
    return fhir.to_json(make(resources, base, now))
