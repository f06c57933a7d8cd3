"""`followup import` and the worker's sync: roster, calendar files and feeds into the database.

Every source is synced under its advisory lock (PostgreSQL; see `source_lock`) and every
sync is recorded as a `sync_run` row, in the same transaction as what it changed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.calendar import problems
from followup.calendar.appointments_csv import read_appointments_csv
from followup.calendar.events import AppointmentEvent, Rejected, SourceRead
from followup.calendar.feeds import Feed, FeedError, FeedOptions, backoff, fetch
from followup.calendar.ics import read_ics
from followup.calendar.roster import read_roster
from followup.calendar.sync import (
    DEFAULT_ABSENT_READS,
    PatientIndex,
    SyncCounts,
    SyncStatus,
    source_lock,
    sync_events,
    upsert_patients,
)
from followup.core import clock
from followup.core.errors import SourceError
from followup.db.migrate import (
    DatabaseNotReady,
    connected,
    require_current,
    temporary_database,
)
from followup.db.models import Appointment, AppointmentStatus, FeedState, SyncRun
from followup.planning.scheduling import PlanCounts, replan_patients
from followup.protocol import Protocol

log = logging.getLogger(__name__)

# The scheduler's next round may come a moment before a feed's stored next attempt time;
# polling then is right, not waiting one more whole interval.
BACKOFF_SLACK = timedelta(seconds=5)
_ERROR_LIMIT = 500


class Step(StrEnum):
    """Where an import of one file is, for a progress display."""

    READING = "reading"
    SAVING = "saving"
    PLANNING = "planning messages"
    DONE = "done"


OnStep = Callable[[Path, Step], None]


def no_progress(_path: Path, _step: Step) -> None:
    """Nobody is watching (the worker's sync)."""


@dataclass(slots=True)
class FileReport:
    """The outcome of one file: counts, or the one-line reason it could not be read."""

    path: Path
    kind: str  # roster, ics or csv
    counts: SyncCounts = field(default_factory=SyncCounts)
    plan: PlanCounts = field(default_factory=PlanCounts)
    error: str | None = None
    source: str = ""  # the identity appointments and sync runs carry, e.g. "ics:room.ics"
    status: SyncStatus = SyncStatus.OK
    skipped: bool = False  # another process was syncing this source: nothing done


@dataclass(slots=True)
class FeedReport:
    """The outcome of one poll of one calendar feed."""

    feed: Feed
    status: SyncStatus = SyncStatus.OK
    counts: SyncCounts = field(default_factory=SyncCounts)
    plan: PlanCounts = field(default_factory=PlanCounts)
    http_status: int | None = None
    error: str | None = None
    skipped: str | None = None  # why nothing was attempted (locked, backing off)


@dataclass(frozen=True, slots=True)
class ImportWindow:
    """Which appointments a sync considers: recent past to the planning horizon."""

    now: datetime
    lookback: timedelta
    horizon: timedelta

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return self.now - self.lookback, self.now + self.horizon


def source_name(path: Path) -> str:
    """Appointments are keyed by source and uid; the file name is the source's identity."""
    return f"{file_kind(path)}:{path.name}"


def file_kind(path: Path) -> str:
    """Tell a calendar file's format from its suffix."""
    suffix = path.suffix.lower()
    if suffix in (".ics", ".ical", ".ifb", ".icalendar"):
        return "ics"
    if suffix == ".csv":
        return "csv"
    raise SourceError(f"unknown calendar format {suffix or '(none)'!r}: use .ics or .csv")


def read_calendar(
    path: Path, protocol: Protocol, window: ImportWindow, zone: ZoneInfo | None = None
) -> SourceRead:
    """Read one calendar file with the reader its suffix names; floating times in `zone`
    (its location's), else the clinic's."""
    zone = zone or protocol.clinic.tz
    kind = file_kind(path)
    start, end = window.bounds
    if kind == "ics":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read the file ({exc.strerror})") from None
        return _read_ics_bytes(data, protocol, window, zone)
    return read_appointments_csv(
        _read_text(path),
        clinic_tz=zone,
        window_start=start,
        window_end=end,
        default_duration=protocol.default_duration,
    )


def _read_ics_bytes(
    data: bytes, protocol: Protocol, window: ImportWindow, zone: ZoneInfo
) -> SourceRead:
    start, end = window.bounds
    return read_ics(
        data,
        clinic_tz=zone,
        window_start=start,
        window_end=end,
        default_duration=protocol.default_duration,
        known_treatments=protocol.treatments_known,
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 text (byte {exc.start})") from None


def import_files(
    engine: Engine,
    protocol: Protocol,
    window: ImportWindow,
    roster: Path | None,
    calendars: Sequence[Path],
    dry_run: bool = False,
    on_step: OnStep = no_progress,
    absent_reads: int = DEFAULT_ABSENT_READS,
) -> list[FileReport]:
    """Import a roster, then calendars, each file committed alone (or all rolled back on a
    dry run). An appointment missing from `absent_reads` consecutive reads is cancelled.
    `on_step` hears each file's steps as they begin, for a progress display."""
    jobs = [(roster, "roster")] if roster is not None else []
    jobs += [(path, "calendar") for path in calendars]
    reports = []
    with Session(engine, expire_on_commit=False) as session:
        for path, role in jobs:
            report = FileReport(path=path, kind="roster")
            try:
                if role != "roster":
                    report.kind = file_kind(path)
                report.source = f"roster:{path.name}" if role == "roster" else source_name(path)
            except SourceError as exc:
                report.kind, report.error, report.status = "calendar", str(exc), SyncStatus.FAILED
                reports.append(report)
                continue
            with source_lock(engine, report.source) as held:
                if held:
                    step = functools.partial(on_step, path)
                    _import_one(
                        session, report, role, protocol, window, dry_run, absent_reads, step
                    )
                else:
                    report.skipped = True
                    log.debug("%s is being synced by another process: skipped", report.source)
            reports.append(report)
            on_step(path, Step.DONE)
        session.rollback()
    return reports


@contextmanager
def dry_run_database(database_url: str) -> Iterator[tuple[Engine, str | None]]:
    """The real database when it is current, else a throwaway one and why not the real one.

    A dry run rolls back all it wrote, so on the real database it reports what an import
    would change; it never creates or upgrades one.
    """
    try:
        require_current(database_url)
    except DatabaseNotReady as exc:
        with temporary_database() as engine:
            yield engine, str(exc)
        return
    with connected(database_url) as engine:
        yield engine, None


def _import_one(
    session: Session,
    report: FileReport,
    role: str,
    protocol: Protocol,
    window: ImportWindow,
    dry_run: bool,
    absent_reads: int,
    step: Callable[[Step], None],
) -> None:
    path, started = report.path, clock.now()
    # Reading raises SourceError before anything is written, so a bad file never
    # leaves half its rows behind and never disturbs the files imported before it.
    step(Step.READING)
    try:
        if role == "roster":
            rows, rejected = read_roster(_read_text(path), protocol.clinic.country)
        else:
            report.kind = file_kind(path)
            read = read_calendar(path, protocol, window, source_zone(protocol, report.source))
    except SourceError as exc:
        report.error, report.status = str(exc), SyncStatus.FAILED
        record_run(session, report.source, started, SyncStatus.FAILED, error=report.error)
        _save(session, dry_run)
        return
    step(Step.SAVING)
    if role == "roster":
        report.counts = upsert_patients(session, rows, window.now, report.source)
        report.counts.rejected = rejected
    else:
        report.counts = sync_read(session, report.source, read, protocol, window, absent_reads)
        report.status = SyncStatus.EMPTY if report.counts.empty else SyncStatus.OK
    step(Step.PLANNING)
    report.plan = replan_patients(session, report.counts.patients, protocol, window.now)
    record_run(session, report.source, started, report.status, report.counts)
    _save(session, dry_run)
    log.info(
        "imported %s: status=%s created=%d updated=%d cancelled=%d absent=%d rejected=%d planned=%d",
        path.name,
        report.status,
        report.counts.created,
        report.counts.updated,
        report.counts.cancelled,
        len(report.counts.absent),
        len(report.counts.rejected),
        report.plan.planned,
    )


def _save(session: Session, dry_run: bool) -> None:
    if dry_run:
        session.flush()
    else:
        session.commit()


def record_run(
    session: Session,
    source: str,
    started: datetime,
    status: SyncStatus,
    counts: SyncCounts | None = None,
    http_status: int | None = None,
    error: str | None = None,
) -> SyncRun:
    """Add the `sync_run` row of one sync; the caller commits it with what the sync changed."""
    counts = counts or SyncCounts()
    run = SyncRun(
        source=source,
        started_at=started,
        finished_at=clock.now(),
        status=status.value,
        http_status=http_status,
        created=counts.created,
        updated=counts.updated,
        cancelled=counts.cancelled,
        absent=len(counts.absent),
        rejected=len(counts.rejected),
        error=error[:_ERROR_LIMIT] if error else None,
        # Which events did not make it in and why, for the sync page: the counts alone
        # ("Unmatched 18") leave staff searching the calendar.
        problems=problems.encode(counts.rejected),
    )
    session.add(run)
    return run


def sync_feeds(
    engine: Engine,
    protocol: Protocol,
    window: ImportWindow,
    feeds: Sequence[Feed],
    options: FeedOptions,
    absent_reads: int = DEFAULT_ABSENT_READS,
) -> list[FeedReport]:
    """Poll each feed that is due (not backing off, not being synced elsewhere) once."""
    reports = []
    with requests.Session() as http:
        for feed in feeds:
            report = FeedReport(feed)
            with source_lock(engine, feed.source) as held:
                if held:
                    _poll(engine, http, report, protocol, window, options, absent_reads)
                else:
                    report.skipped = "another process is syncing it"
            if report.skipped:
                log.debug("feed %s not polled: %s", feed.source, report.skipped)
            reports.append(report)
    return reports


def _poll(
    engine: Engine,
    http: requests.Session,
    report: FeedReport,
    protocol: Protocol,
    window: ImportWindow,
    options: FeedOptions,
    absent_reads: int,
) -> None:
    feed, now = report.feed, window.now
    with Session(engine, expire_on_commit=False) as session:
        state = session.get(FeedState, feed.source) or FeedState(source=feed.source, updated_at=now)
        if state.next_attempt_at is not None and now < state.next_attempt_at - BACKOFF_SLACK:
            report.skipped = f"backing off after {state.failures} failure(s)"
            return
        # While an appointment is counted absent, ask for the whole feed: a 304 counts for
        # nothing, so an unchanged feed would otherwise never confirm the absence.
        conditional = not absence_pending(session, feed.source)
        session.commit()  # no transaction left open while the server takes its time
        started = clock.now()
        try:
            fetched = (
                fetch(http, feed, options, state.etag, state.last_modified)
                if conditional
                else fetch(http, feed, options)
            )
            report.http_status = fetched.http_status
            zone = source_zone(protocol, feed.source)
            read = (
                None
                if fetched.body is None
                else _read_ics_bytes(fetched.body, protocol, window, zone)
            )
        except SourceError as exc:
            report.status, report.error = SyncStatus.FAILED, str(exc)
            if isinstance(exc, FeedError) and exc.http_status is not None:
                report.http_status = exc.http_status
            state.failures += 1
            state.next_attempt_at = now + backoff(state.failures, options)
            state.updated_at = now
            session.add(state)
            record_run(
                session, feed.source, started, report.status, None, report.http_status, report.error
            )
            session.commit()
            log.warning(
                "feed %s failed (%d in a row, next try %s): %s",
                feed.source,
                state.failures,
                state.next_attempt_at.isoformat(),
                report.error,
            )
            return
        state.failures, state.next_attempt_at, state.updated_at = 0, None, now
        if read is None:
            report.status = SyncStatus.NOT_MODIFIED  # nothing read: nothing counted
        else:
            report.counts = sync_read(session, feed.source, read, protocol, window, absent_reads)
            report.plan = replan_patients(session, report.counts.patients, protocol, now)
            if report.counts.empty:
                # Not kept: the next poll downloads the feed again instead of a 304
                # standing in for a read that never counted.
                report.status = SyncStatus.EMPTY
                state.etag = state.last_modified = None
            else:
                state.etag, state.last_modified = fetched.etag, fetched.last_modified
        session.add(state)
        record_run(session, feed.source, started, report.status, report.counts, report.http_status)
        session.commit()
    log.info(
        "feed %s: status=%s created=%d updated=%d cancelled=%d absent=%d rejected=%d",
        feed.source,
        report.status,
        report.counts.created,
        report.counts.updated,
        report.counts.cancelled,
        len(report.counts.absent),
        len(report.counts.rejected),
    )


def absence_pending(session: Session, source: str) -> bool:
    """True while a booked appointment of the source is counted absent, not yet cancelled."""
    return (
        session.exec(
            select(Appointment.id)
            .where(
                Appointment.source == source,
                Appointment.status == AppointmentStatus.BOOKED,
                col(Appointment.absent_reads) > 0,
            )
            .limit(1)
        ).first()
        is not None
    )


def _read_text(path: Path) -> str:
    try:
        return _decode(path.read_bytes())
    except OSError as exc:
        raise SourceError(f"cannot read the file ({exc.strerror})") from None


def unmatched(reports: Sequence[FileReport]) -> list[tuple[Path, Rejected]]:
    """Every event or row that did not make it in, with its file."""
    return [(r.path, rej) for r in reports for rej in r.counts.rejected]


def sync_read(
    session: Session,
    source: str,
    read: SourceRead,
    protocol: Protocol,
    window: ImportWindow,
    absent_reads: int,
) -> SyncCounts:
    """Write one good read of a calendar, file or feed alike."""
    home = protocol.location_key(protocol.location_of_source(source))

    def locate(event: AppointmentEvent) -> str:
        # An event's own LOCATION wins when it names a location; else ("Chair 3") the
        # location of its calendar.
        named = protocol.location_named(event.location) if event.location else None
        return named or home

    return sync_events(
        session,
        source,
        read,
        PatientIndex(session, protocol.clinic.country),
        window.bounds,
        window.now,
        protocol.default_treatment,
        absent_reads,
        locate,
    )


def source_zone(protocol: Protocol, source: str) -> ZoneInfo:
    """The zone a source's floating times are read in: its location's."""
    return protocol.clinic_at(protocol.location_of_source(source)).tz
