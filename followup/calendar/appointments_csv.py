"""Read an appointments CSV export into appointment events."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from followup.calendar.events import (
    AppointmentEvent,
    EventStatus,
    PatientRef,
    Rejected,
    SourceRead,
)
from followup.core.clock import require_aware
from followup.core.errors import SourceError

COLUMNS = ("appointment_id", "patient_id", "start", "end", "treatment", "status")
# Read when present: a clinic network's location (its key or a name the protocol matches).
OPTIONAL_COLUMNS = ("location",)

_STATUSES = {
    "": EventStatus.BOOKED,
    "booked": EventStatus.BOOKED,
    "cancelled": EventStatus.CANCELLED,
    "canceled": EventStatus.CANCELLED,
    "completed": EventStatus.COMPLETED,
    "no-show": EventStatus.NO_SHOW,
    "no_show": EventStatus.NO_SHOW,
    "noshow": EventStatus.NO_SHOW,
}
_VALUE_LIMIT = 40


@dataclass(frozen=True, slots=True)
class _Options:
    clinic_tz: ZoneInfo
    window_start: datetime
    window_end: datetime
    default_duration: timedelta


class _BadRow(Exception):
    """A row cannot become an event; the message is the rejection reason."""


def read_appointments_csv(
    text: str,
    *,
    clinic_tz: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
    default_duration: timedelta,
) -> SourceRead:
    """Read every appointment row; rows that cannot be used are rejected with their line.

    Raises `SourceError` when there is no usable header row.
    """
    options = _Options(
        clinic_tz=clinic_tz,
        window_start=require_aware(window_start, "window_start"),
        window_end=require_aware(window_end, "window_end"),
        default_duration=default_duration,
    )
    rows = _rows(text.removeprefix("\ufeff"))
    header = _header(next(rows, None))
    read = SourceRead()
    first_line: dict[str, int] = {}
    for line, cells in rows:
        record = {name: cells[i].strip() if i < len(cells) else "" for name, i in header.items()}
        appointment_id = record["appointment_id"]
        ref = f"{appointment_id} (line {line})" if appointment_id else f"line {line}"
        try:
            _check_unique(appointment_id, line, first_line)
            event = _to_event(record, options, ref)
        except _BadRow as exc:
            # The id lets sync tell a present but unusable row from a deleted appointment.
            read.rejected.append(Rejected(ref, str(exc), uid=appointment_id or None))
            continue
        if event.start < options.window_end and options.window_start < event.end:
            read.events.append(event)
        else:
            read.outside_window += 1
            read.beyond_window.append(event)
    return read


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (physical line of the row's start, cells), skipping blank lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for cells in reader:
            # A quoted field may span lines, so the row starts where the previous one ended.
            if any(cell.strip() for cell in cells):
                yield line, cells
            line = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(f"not a CSV file: {exc} (line {reader.line_num})") from exc


def _header(first: tuple[int, list[str]] | None) -> dict[str, int]:
    """Map each known column to its position, or say which are missing."""
    if first is None:
        raise SourceError("empty file: no header row")
    names = [cell.strip().lower() for cell in first[1]]
    duplicates = sorted(
        {n for n in names if n in (*COLUMNS, *OPTIONAL_COLUMNS) and names.count(n) > 1}
    )
    if duplicates:
        raise SourceError(f"duplicate columns: {', '.join(duplicates)}")
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise SourceError(f"missing columns: {', '.join(missing)}")
    known = [*COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in names)]
    return {column: names.index(column) for column in known}


def _check_unique(appointment_id: str, line: int, first_line: dict[str, int]) -> None:
    # Registered even when the first row is bad: either row could be the real one.
    if not appointment_id:
        return
    if appointment_id in first_line:
        raise _BadRow(f"duplicate appointment_id, first on line {first_line[appointment_id]}")
    first_line[appointment_id] = line


def _to_event(record: dict[str, str], options: _Options, ref: str) -> AppointmentEvent:
    if not record["appointment_id"]:
        raise _BadRow("missing appointment_id")
    if not record["patient_id"]:
        raise _BadRow("missing patient_id")
    start = _instant("start", record["start"], options.clinic_tz)
    end = _instant("end", record["end"], options.clinic_tz) if record["end"] else start
    if end < start:
        raise _BadRow("end is before start")
    status = _STATUSES.get(record["status"].lower())
    if status is None:
        raise _BadRow(f"unknown status {_quote(record['status'])}")
    return AppointmentEvent(
        uid=record["appointment_id"],
        start=start,
        # A zero-length appointment is a missing end, as in the iCalendar reader.
        end=start + options.default_duration if end == start else end,
        patient=PatientRef(patient_id=record["patient_id"]),
        status=status,
        treatment=record["treatment"].lower() or None,
        location=record.get("location") or None,
        ref=ref,
    )


def _instant(column: str, value: str, clinic_tz: ZoneInfo) -> datetime:
    """Parse an ISO 8601 date-time; one without an offset is clinic wall-clock time."""
    if not value:
        raise _BadRow(f"missing {column}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _BadRow(f"{column} {_quote(value)} is not an ISO date-time") from None
    # fromisoformat reads a bare date as midnight; an infusion at an unknown hour is unusable.
    if "T" not in value.upper() and " " not in value:
        raise _BadRow(f"{column} {_quote(value)} has no time of day")
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    instant = parsed.replace(tzinfo=clinic_tz).astimezone(UTC)
    # A wall-clock time skipped by a DST change has no instant; guessing one risks the hour.
    if instant.astimezone(clinic_tz).replace(tzinfo=None) != parsed:
        raise _BadRow(f"{column} {_quote(value)} does not exist in {clinic_tz.key} (DST change)")
    return instant


def _quote(value: str) -> str:
    shown = "".join(ch if ch.isprintable() else "?" for ch in value)
    if len(shown) > _VALUE_LIMIT:
        shown = shown[: _VALUE_LIMIT - 1] + "…"
    return f"'{shown}'"
