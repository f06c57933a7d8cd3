"""The `followup` command. Each command parses arguments and calls one feature function."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from followup.calendar.events import Rejected
from followup.calendar.importing import (
    FileReport,
    ImportWindow,
    OnStep,
    Step,
    dry_run_database,
    import_files,
)
from followup.core import clock
from followup.core.errors import ConfigError, FollowupError
from followup.db.engine import make_engine
from followup.db.migrate import DatabaseNotReady, connected, describe, require_current, upgrade
from followup.messages.render import Renderer
from followup.ops.logs import configure_logging
from followup.planning.simulate import iter_json, simulate
from followup.protocol import Protocol, load_protocol
from followup.settings import Settings, load_settings

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


def _setup(require_current_db: bool = True, service: bool = False) -> tuple[Settings, Protocol]:
    settings = load_settings()
    # Interactive commands print their own summary; log lines there would repeat it.
    configure_logging(settings.log_level if service else "WARNING", settings.log_format)
    protocol = load_protocol(settings.protocol_file)
    if require_current_db:
        require_current(settings.database_url)
    return settings, protocol


@contextmanager
def _database() -> Iterator[tuple[Settings, Protocol, Engine]]:
    """Settings, protocol and an engine on a current database, for one command."""
    settings, protocol = _setup()
    with connected(settings.database_url) as engine:
        yield settings, protocol, engine


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


def _local(value: datetime, protocol: Protocol, fmt: str = "%a %Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the clinic reads it."""
    return value.astimezone(protocol.clinic.tz).strftime(fmt)


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


@app.command("import")
@friendly
def import_command(
    files: Annotated[
        list[Path] | None, typer.Argument(help="ICS or appointment CSV files.")
    ] = None,
    patients: Annotated[Path | None, typer.Option(help="Roster CSV, imported first.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Read and report; save nothing.")] = False,
) -> None:
    """Import a patient roster and calendar files; print a summary per file."""
    calendars = files or []
    if patients is None and not calendars:
        raise ConfigError("nothing to import: give calendar files, --patients ROSTER, or both")
    settings, protocol = _setup(require_current_db=False)
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
    for report in reports:
        print_report(report, protocol)
    if dry_run:
        out.print("dry run: nothing was saved")
    if any(r.error or r.skipped for r in reports):
        raise typer.Exit(1)


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
        start = _local(absent.start_at, protocol) if protocol else absent.start_at.isoformat()
        out.print(
            f"  absent {absent.uid} ({start}): missing from {absent.missing} read(s) in a row; "
            f"cancelled if still missing from the next {absent.reads_left} read(s)",
            markup=False,
        )
    for line in describe_rejected(c.rejected):
        out.print(f"  {noun} {line}", markup=False)


def describe_rejected(rejected: Sequence[Rejected]) -> list[str]:
    """One line per event, or per recurring series when its occurrences fail alike."""
    groups: dict[tuple[str, str], list[str]] = {}
    for item in rejected:
        series = item.ref.split("/")[0] if item.uid and "/" in item.ref else item.ref
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
) -> None:
    """Show every message that would go out in a window, on a throwaway database."""
    if format not in ("json", "table"):
        raise ConfigError(f"--format {format!r}: use json or table")
    settings, protocol = _setup(require_current_db=False)
    begin = parse_start(start, protocol) if start else clock.now()
    with _progress() as progress:
        on_step = _file_steps(progress, len(calendars) + (patients is not None))
        window = progress.add_task("simulating", total=days * 86400, visible=False)

        def on_clock(at: datetime) -> None:
            day = _local(at, protocol, "%a %Y-%m-%d")
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
    if format == "json":
        for obj in iter_json(result.outgoing):
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    else:
        _print_table(result.outgoing, protocol)
    if result.render_errors or any(r.error for r in result.reports):
        raise typer.Exit(1)


def _print_table(outgoing: Sequence[Any], protocol: Protocol) -> None:
    table = Table(title=f"{len(outgoing)} messages", show_lines=False)
    for column in ("due (clinic time)", "patient", "step", "channel", "to", "message"):
        table.add_column(column, overflow="fold")
    for item in outgoing:
        local = _local(item.due_at, protocol)
        preview = (item.subject or item.body).splitlines()[0][:60]
        table.add_row(local, item.patient_id, item.step, item.channel, item.to, preview)
    out.print(table)


@app.command("worker")
@friendly
def worker_command() -> None:
    """Run the background worker: calendar sync and sending, on a schedule."""
    from followup.worker import run_service

    settings, protocol = _setup(service=True)
    run_service(settings, protocol)


@app.command("web")
@friendly
def web_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web process alone: staff pages, Twilio webhooks, JSON API, health checks."""
    from followup.web.serve import listen, serve

    settings, _ = _setup(service=True)
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

    settings, protocol = _setup(require_current_db=False, service=True)
    # Bound before the worker starts: a port in use stops start-up before anything runs.
    listener = listen(host, port)
    _upgrade(settings)
    run_service(settings, protocol, web=lambda engine: serve(settings, engine, listener, host))


@templates_app.command("check")
@friendly
def templates_check() -> None:
    """Render every template the protocol uses with sample data; list each problem."""
    from followup.messages.check import check_templates, sms_sizes

    settings, protocol = _setup(require_current_db=False)
    engine = make_engine(settings.database_url)
    try:
        renderer = _renderer_with_edits(settings, engine)
        problems = check_templates(settings.templates_dir, protocol, renderer)
        for problem in problems:
            out.print(problem, markup=False)
        if problems:
            raise typer.Exit(1)
        for path, size in sms_sizes(settings.templates_dir, protocol, renderer):
            chars = f"{size.characters} {'septets' if size.encoding == 'GSM-7' else 'UTF-16 units'}"
            edited = " (web edit)" if renderer.overridden(_loader_name(settings, path)) else ""
            out.print(
                f"{path}: {size.segments} segment(s), {size.encoding}, {chars}{edited}",
                markup=False,
            )
    finally:
        engine.dispose()
    out.print(f"templates in {settings.templates_dir} render cleanly")


def _renderer_with_edits(settings: Settings, engine: Engine) -> Renderer:
    """The worker's renderer: the files with staff edits, when the database can say."""
    from followup.messages.revisions import RevisionSource

    try:
        require_current(settings.database_url)
    except DatabaseNotReady as exc:
        # A database that is missing or not upgraded holds no edits the worker would send.
        err.print(
            f"note: {exc}; checking the files only, without edits made on the web",
            markup=False,
        )
        return Renderer(settings.templates_dir)
    return Renderer(settings.templates_dir, overrides=RevisionSource(engine))


def _loader_name(settings: Settings, path: Path) -> str:
    return path.relative_to(settings.templates_dir).as_posix()


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
    with _database() as (_, protocol, engine):
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
            _local(row.due_at, protocol),
            row.patient,
            row.step,
            row.channel,
            row.status,
            row.detail,
        ]
        table.add_row(*cells, *([row.body or ""] if bodies else []))
    out.print(table)


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
    with _database() as (_, protocol, engine):
        alerts = list_alerts(engine, include_acknowledged=all)
    if format == "json":
        for alert in alerts:
            sys.stdout.write(json.dumps(_jsonable(_fields(alert))) + "\n")
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
        raised = _local(a.created_at, protocol)
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

    with _database() as (_, _, engine):
        view = acknowledge(engine, alert_id, by, note, clock.now())
    out.print(f"alert {view.id} acknowledged by {view.acknowledged_by}", markup=False)


@reports_app.command("export")
@friendly
def reports_export(
    patient: Annotated[str | None, typer.Option(help="Only this patient id.")] = None,
    format: Annotated[
        str, typer.Option("--format", help="csv or json (one object a line).")
    ] = "csv",
) -> None:
    """Write every symptom report to standard output."""
    import csv

    from followup.ops.reports import symptom_reports

    if format not in ("csv", "json"):
        raise ConfigError(f"--format {format!r}: use csv or json")
    with _database() as (_, _, engine):
        rows = symptom_reports(engine, patient)
    columns = [
        "patient_id",
        "appointment_start",
        "survey",
        "question",
        "value",
        "text",
        "reported_at",
    ]
    if format == "json":
        for row in rows:
            sys.stdout.write(
                json.dumps(_jsonable({c: getattr(row, c) for c in columns}), ensure_ascii=False)
                + "\n"
            )
        return
    writer = csv.writer(sys.stdout)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_jsonable({"v": getattr(row, c)})["v"] for c in columns])


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

    with _database() as (_, protocol, engine):
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
            _local(row.received_at, protocol),
            row.patient or "unknown sender",
            "" if row.urgency == "ordinary" else row.urgency,
            row.kind,
            row.summary,
            "!" if row.needs_attention else "",
        ]
        table.add_row(*cells, *([row.body] if bodies else []))
    out.print(table)


@triage_app.command("check")
@friendly
def triage_check(
    files: Annotated[
        list[Path],
        typer.Argument(help="Labelled files: one message a line, 'label<TAB>text'."),
    ],
    min_recall: Annotated[
        float, typer.Option(help="Exit 1 below this crisis or medical recall (0 to 1).")
    ] = 1.0,
    max_false_alarms: Annotated[
        float, typer.Option(help="Exit 1 above this share of false alarms (0 to 1).")
    ] = 0.05,
) -> None:
    """Score triage on labelled messages: recall and false alarms per label, every miss.

    Labels: crisis, medical (an emergency), urgent, review, ordinary. Lines starting with
    "#" are comments. The output quotes the messages: use it on test sets, not on replies.
    """
    from followup.replies.triage.check import ALARMS, LABELS, false_alarm_rate, parse, report
    from followup.replies.triage.check import score as score_all

    messages = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise FollowupError(f"{path}: cannot read it ({exc.strerror})") from None
        except UnicodeDecodeError as exc:
            raise FollowupError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        messages += parse(lines, str(path))
    if not messages:
        raise FollowupError(f"no labelled lines in {', '.join(map(str, files))}")
    scores = score_all(messages)
    for line in report(scores):
        out.print(line, markup=False)
    low = [
        s.label
        for s in scores.values()
        if LABELS[s.label] in ALARMS and s.total and s.recall < min_recall
    ]
    noisy = false_alarm_rate(scores) > max_false_alarms
    if low or noisy:
        why = [f"{label} recall below {min_recall:.0%}" for label in low]
        why += [f"false alarms above {max_false_alarms:.0%}"] if noisy else []
        err.print(f"triage check failed: {'; '.join(why)}", markup=False)
        raise typer.Exit(1)


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
    with _database() as (_, _, engine):
        user = add_staff(engine, email, role, password, clock.now())
    out.print(f"{user.email} can now sign in as {user.role}", markup=False)


@app.command("worklist")
@friendly
def worklist_command() -> None:
    """Call-back requests and unconfirmed infusions, for the staff on shift."""
    from followup.ops.reports import worklist

    with _database() as (_, protocol, engine):
        items = worklist(engine, protocol, clock.now())
    table = Table(title=f"{len(items)} to do")
    for column in ("what", "patient", "phone", "infusion (clinic time)", "asked at"):
        table.add_column(column, overflow="fold")
    for item in items:
        start = _local(item.appointment_start, protocol) if item.appointment_start else ""
        since = _local(item.since, protocol, "%a %H:%M") if item.since else ""
        what = "call back" if item.kind == "call_request" else "not confirmed"
        table.add_row(
            what, f"{item.patient_id} {item.patient_name}", item.phone or "", start, since
        )
    out.print(table)


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Datetimes as ISO UTC with Z, None as null, the rest as is."""
    return {
        key: value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
        for key, value in values.items()
    }


def main() -> None:
    """Console-script entry point."""
    logging.captureWarnings(True)
    app()
