"""`followup import` and the worker's sync: roster and calendar files into the database."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from followup.calendar.appointments_csv import read_appointments_csv
from followup.calendar.events import Rejected, SourceRead
from followup.calendar.ics import read_ics
from followup.calendar.roster import read_roster
from followup.calendar.sync import PatientIndex, SyncCounts, sync_events, upsert_patients
from followup.errors import SourceError
from followup.protocol import Protocol
from followup.scheduling import PlanCounts, replan_patients

log = logging.getLogger(__name__)


@dataclass(slots=True)
class FileReport:
    """The outcome of one file: counts, or the one-line reason it could not be read."""

    path: Path
    kind: str  # roster, ics or csv
    counts: SyncCounts = field(default_factory=SyncCounts)
    plan: PlanCounts = field(default_factory=PlanCounts)
    error: str | None = None


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


def read_calendar(path: Path, protocol: Protocol, window: ImportWindow) -> SourceRead:
    """Read one calendar file with the reader its suffix names."""
    kind = file_kind(path)
    start, end = window.bounds
    if kind == "ics":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read the file ({exc.strerror})") from None
        return read_ics(
            data,
            clinic_tz=protocol.clinic.tz,
            window_start=start,
            window_end=end,
            default_duration=protocol.default_duration,
            known_treatments=protocol.treatments_known,
        )
    return read_appointments_csv(
        _read_text(path),
        clinic_tz=protocol.clinic.tz,
        window_start=start,
        window_end=end,
        default_duration=protocol.default_duration,
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
    on_file: Callable[[Path], None] | None = None,
) -> list[FileReport]:
    """Import a roster, then calendars, each file committed alone (or all rolled back on a dry run)."""
    reports = []
    with Session(engine, expire_on_commit=False) as session:
        if roster is not None:
            reports.append(_import_one(session, roster, "roster", protocol, window, dry_run))
            if on_file:
                on_file(roster)
        for path in calendars:
            reports.append(_import_one(session, path, "calendar", protocol, window, dry_run))
            if on_file:
                on_file(path)
        session.rollback()
    return reports


def _import_one(
    session: Session, path: Path, role: str, protocol: Protocol, window: ImportWindow, dry_run: bool
) -> FileReport:
    report = FileReport(path=path, kind="roster")
    # Reading raises SourceError before anything is written, so a bad file never
    # leaves half its rows behind and never disturbs the files imported before it.
    try:
        if role == "roster":
            rows, rejected = read_roster(_read_text(path), protocol.clinic.country)
        else:
            report.kind = file_kind(path)
            read = read_calendar(path, protocol, window)
    except SourceError as exc:
        report.error = str(exc)
        return report
    if role == "roster":
        report.counts = upsert_patients(session, rows, window.now)
        report.counts.rejected = rejected
    else:
        index = PatientIndex(session, protocol.clinic.country)
        report.counts = sync_events(
            session,
            source_name(path),
            read,
            index,
            window.bounds,
            window.now,
            protocol.default_treatment,
        )
    report.plan = replan_patients(session, report.counts.patients, protocol, window.now)
    if dry_run:
        session.flush()
    else:
        session.commit()
    log.info(
        "imported %s: created=%d updated=%d cancelled=%d rejected=%d planned=%d",
        path.name,
        report.counts.created,
        report.counts.updated,
        report.counts.cancelled,
        len(report.counts.rejected),
        report.plan.planned,
    )
    return report


def _read_text(path: Path) -> str:
    try:
        return _decode(path.read_bytes())
    except OSError as exc:
        raise SourceError(f"cannot read the file ({exc.strerror})") from None


def unmatched(reports: Sequence[FileReport]) -> list[tuple[Path, Rejected]]:
    """Every event or row that did not make it in, with its file."""
    return [(r.path, rej) for r in reports for rej in r.counts.rejected]
