"""Calendars in: import (with --dry-run) and simulate, with a report per file; and replan,
which brings stored plans up to the protocol in force."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from followup.calendar.events import Rejected
from followup.calendar.fhir_sync import FhirReport, sync_fhir
from followup.calendar.importing import (
    FileReport,
    ImportWindow,
    OnStep,
    Step,
    dry_run_database,
    import_files,
)

# Paragraphs on one line each: the help reflows them to the terminal's width.
from followup.cli.common import (
    app,
    database,
    err,
    friendly,
    local,
    out,
    setup,
)
from followup.core import clock
from followup.core.errors import ConfigError
from followup.db.migrate import connected, require_current
from followup.messages.render import Renderer
from followup.planning.simulate import Outgoing, iter_json, simulate
from followup.protocol import Protocol
from followup.settings import Settings
from followup.worker import fhir_server, fhir_sync


@contextmanager
def _import_database(settings: Settings, dry_run: bool) -> Iterator[Engine]:
    """The configured database; for a dry run, a throwaway one when it cannot be used."""
    if not dry_run:
        require_current(settings.database_url)
        with connected(settings.database_url) as engine:
            yield engine
        return
    with dry_run_database(settings.database_url) as (engine, why_not):
        if why_not:
            err.print(
                f"note: {why_not}; this dry run reads the files against an empty throwaway "
                "database, so everything counts as new",
                markup=False,
            )
        yield engine


@app.command("import")
@friendly
def import_command(
    files: Annotated[
        list[Path] | None, typer.Argument(help="ICS or appointment CSV files.")
    ] = None,
    patients: Annotated[Path | None, typer.Option(help="Roster CSV, imported first.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Read and report; save nothing.")] = False,
    fhir: Annotated[
        bool, typer.Option(help="Then sync the FHIR server of FOLLOWUP_FHIR_BASE_URL once.")
    ] = False,
) -> None:
    """Import a patient roster and calendar files; print a summary per file."""
    calendars = files or []
    if patients is None and not calendars and not fhir:
        raise ConfigError(
            "nothing to import: give calendar files, --patients ROSTER, --fhir, or several"
        )
    settings, protocol = setup(require_current_db=False)
    server = fhir_server(settings) if fhir else None
    if fhir and server is None:
        raise ConfigError("--fhir: set FOLLOWUP_FHIR_BASE_URL to the EHR's FHIR base address")
    window = ImportWindow(
        clock.now(),
        timedelta(days=settings.calendar_lookback_days),
        timedelta(days=settings.calendar_horizon_days),
    )
    with _import_database(settings, dry_run) as engine, _progress() as progress:
        reports = import_files(
            engine,
            protocol,
            window,
            patients,
            calendars,
            dry_run=dry_run,
            on_step=_file_steps(progress, len(calendars) + (patients is not None)),
            absent_reads=settings.calendar_absent_reads,
        )
        synced = (
            sync_fhir(engine, protocol, window, server, fhir_sync(settings), dry_run)
            if server is not None
            else None
        )
    for report in reports:
        print_report(report, protocol)
    if synced is not None:
        print_fhir_report(synced)
    if dry_run:
        out.print("dry run: nothing was saved")
    if any(r.error or r.skipped for r in reports) or (synced and (synced.error or synced.skipped)):
        raise typer.Exit(1)


@app.command("replan")
@friendly
def replan_command() -> None:
    """Re-plan every patient with a current infusion under the protocol in force now."""
    from followup.planning.scheduling import replan_current

    with database() as (settings, protocol, engine):
        now = clock.now()
        # Recent infusions too: their check-ins may still be to come.
        since = now - timedelta(days=settings.calendar_lookback_days)
        counts = replan_current(engine, protocol, now, since)
    out.print(
        f"re-planned: {counts.planned} planned, {counts.moved} moved, {counts.cancelled} cancelled",
        markup=False,
    )


def _progress() -> Progress:
    """Progress on stderr for a person at a terminal; piped output and logs stay clean."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _file_steps(progress: Progress, files: int) -> OnStep:
    """Show the file an import is on and its step; the bar counts the files done."""
    task = progress.add_task("importing", total=files)

    def on_step(path: Path, step: Step) -> None:
        done = 1 if step is Step.DONE else 0
        progress.update(task, description=f"{path.name}: {step}", advance=done)

    return on_step


def print_report(report: FileReport, protocol: Protocol | None = None) -> None:
    """One summary line per file, then one line per rejected, unmatched or absent entry."""
    name = f"{report.path.name} ({report.kind})"
    if report.error:
        out.print(f"{name}: could not be read: {report.error}", markup=False)
        return
    if report.skipped:
        out.print(
            f"{name}: skipped: another process is syncing it right now; try again shortly",
            markup=False,
        )
        return
    c, p = report.counts, report.plan
    noun = "rejected" if report.kind == "roster" else "unmatched"
    parts = [f"{c.created} created", f"{c.updated} updated", f"{c.unchanged} unchanged"]
    if report.kind != "roster":
        parts.append(f"{c.cancelled} cancelled")
        parts.append(f"{len(c.absent)} absent")
    parts.append(f"{len(c.rejected)} {noun}")
    if c.outside_window:
        parts.append(f"{c.outside_window} outside the import window")
    line = f"{name}: {', '.join(parts)}; messages: {p.planned} planned, {p.moved} moved, {p.cancelled} cancelled"
    out.print(line, markup=False)
    if c.empty:
        out.print(
            "  empty: the calendar has no events while appointments from it are booked ahead; "
            "nothing was cancelled and this read does not count towards cancelling any",
            markup=False,
        )
    for absent in c.absent:
        start = local(absent.start_at, protocol) if protocol else absent.start_at.isoformat()
        out.print(
            f"  absent {absent.uid} ({start}): missing from {absent.missing} read(s) in a row; "
            f"cancelled if still missing from the next {absent.reads_left} read(s)",
            markup=False,
        )
    for line in describe_rejected(c.rejected):
        out.print(f"  {noun} {line}", markup=False)


def print_fhir_report(report: FhirReport) -> None:
    """One summary line for a FHIR sync, then one line per appointment it could not use."""
    read = "complete read" if report.complete else "read of changes"
    name = f"{report.server.source} (FHIR, {read})"
    if report.error or report.skipped:
        out.print(f"{name}: {report.error or 'skipped: ' + str(report.skipped)}", markup=False)
        return
    c, p = report.counts, report.plan
    out.print(
        f"{name}: {report.status}; patients {report.patients.created} created, "
        f"{report.patients.updated} updated; appointments {c.created} created, {c.updated} "
        f"updated, {c.cancelled} cancelled, {len(c.absent)} absent, {len(c.rejected)} "
        f"unmatched; messages: {p.planned} planned, {p.moved} moved, {p.cancelled} cancelled",
        markup=False,
    )
    for line in describe_rejected(c.rejected):
        out.print(f"  unmatched {line}", markup=False)


def describe_rejected(rejected: Sequence[Rejected]) -> list[str]:
    """One line per event, or per recurring series when its occurrences fail alike."""
    groups: dict[tuple[str, str], list[str]] = {}
    for item in rejected:
        # An occurrence's uid is its series' and its start ("UID/20260302T150000Z").
        series = item.ref.split("/")[0] if item.uid and "/" in item.uid else item.ref
        groups.setdefault((series, item.reason), []).append(item.ref)
    lines = []
    for (series, reason), refs in groups.items():
        if len(refs) == 1:
            lines.append(f"{refs[0]}: {reason}")
        else:
            lines.append(
                f"{series} ({len(refs)} occurrences, first {refs[0].split('/')[-1]}): {reason}"
            )
    return lines


def parse_start(value: str, protocol: Protocol) -> datetime:
    """An ISO date-time; without an offset it is clinic time."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--start {value!r} is not an ISO date-time such as 2026-03-02T08:00Z"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=protocol.clinic.tz)
    return parsed.astimezone(UTC)


@app.command("simulate")
@friendly
def simulate_command(
    calendars: Annotated[list[Path], typer.Argument(help="ICS or appointment CSV files.")],
    patients: Annotated[Path | None, typer.Option(help="Roster CSV.")] = None,
    start: Annotated[
        str | None, typer.Option(help="ISO start of the window (default: now).")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=366, help="Length of the window in days.")] = 7,
    format: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
    skipped: Annotated[
        bool,
        typer.Option("--skipped", help="Also list planned messages that would not go, and why."),
    ] = False,
) -> None:
    """Show every message that would go out in a window, on a throwaway database."""
    if format not in ("json", "table"):
        raise ConfigError(f"--format {format!r}: use json or table")
    settings, protocol = setup(require_current_db=False)
    begin = parse_start(start, protocol) if start else clock.now()
    with _progress() as progress:
        on_step = _file_steps(progress, len(calendars) + (patients is not None))
        window = progress.add_task("simulating", total=days * 86400, visible=False)

        def on_clock(at: datetime) -> None:
            day = local(at, protocol, "%a %Y-%m-%d")
            seconds = (at - begin).total_seconds()
            progress.update(
                window, description=f"simulating {day}", completed=seconds, visible=True
            )

        result = simulate(
            protocol,
            Renderer(settings.templates_dir),
            patients,
            calendars,
            begin,
            days,
            timedelta(days=settings.calendar_lookback_days),
            on_step=on_step,
            on_clock=on_clock,
            horizon=timedelta(days=settings.calendar_horizon_days),
        )
    for report in result.reports:
        if report.error:
            err.print(f"{report.path.name}: could not be read: {report.error}", markup=False)
        noun = "rejected" if report.kind == "roster" else "unmatched"
        for rejected in report.counts.rejected:
            err.print(
                f"{noun} {rejected.ref}: {rejected.reason} ({report.path.name})", markup=False
            )
    for problem in result.render_errors:
        err.print(f"render error: {problem}", markup=False)
    shown = result.outgoing + (result.held_back if skipped else [])
    shown.sort(key=lambda o: (o.due_at, o.patient_id, o.step, o.channel))
    if format == "json":
        for obj in iter_json(shown):
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    else:
        _print_table(shown, protocol)
    if result.render_errors or any(r.error for r in result.reports):
        raise typer.Exit(1)


def _print_table(outgoing: Sequence[Outgoing], protocol: Protocol) -> None:
    sent = sum(item.status == "sent" for item in outgoing)
    title = f"{sent} messages"
    if sent != len(outgoing):
        title += f", {len(outgoing) - sent} not sent"
    table = Table(title=title, show_lines=False)
    # A network's locations each read their own clock; a single clinic keeps its columns.
    network = len(protocol.location_keys) > 1
    columns = ["due (clinic time)", "patient", "infusion", "step", "channel", "to", "message"]
    if network:
        columns[0:1] = ["due (location time)", "location"]
    for column in columns:
        table.add_column(column, overflow="fold")
    for item in outgoing:
        zone = protocol.clinic_at(item.location).tz
        due = item.due_at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")
        if item.status == "sent":
            preview = (item.subject or item.body or "").splitlines()[0][:60]
        else:
            preview = f"{item.status}: {item.reason or ''}"
        cells = [item.patient_id, item.series, item.step, item.channel, item.to, preview]
        if network:
            table.add_row(due, protocol.location_key(item.location), *cells)
        else:
            table.add_row(local(item.due_at, protocol), *cells)
    out.print(table)
