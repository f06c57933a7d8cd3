"""What every calendar source yields, whatever its format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from followup.core.clock import require_aware


class EventStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


@dataclass(frozen=True, slots=True)
class PatientRef:
    """How an event names its patient; matched against the roster by `sync`."""

    patient_id: str | None = None
    emails: tuple[str, ...] = ()  # lower-cased
    phones: tuple[str, ...] = ()  # as written in the source; sync normalises

    def __bool__(self) -> bool:
        return bool(self.patient_id or self.emails or self.phones)


@dataclass(frozen=True, slots=True)
class AppointmentEvent:
    """One infusion appointment, as read from a source. Times are aware UTC."""

    uid: str
    start: datetime
    end: datetime
    patient: PatientRef
    status: EventStatus = EventStatus.BOOKED
    treatment: str | None = None
    # Where the source says it is (an ICS LOCATION, a CSV location column), as written.
    location: str | None = None
    sequence: int = 0
    last_modified: datetime | None = None
    # How messages name it where the source has lines, e.g. "a4 (line 5)"; else the uid.
    ref: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", require_aware(self.start, "start"))
        object.__setattr__(self, "end", require_aware(self.end, "end"))
        if self.end < self.start:
            raise ValueError(f"event {self.uid}: end {self.end} is before start {self.start}")


@dataclass(frozen=True, slots=True)
class Rejected:
    """An event or row a source could not use, named so the user can find it."""

    ref: str  # the UID, or "line N" for a CSV row
    reason: str
    # The event's uid when the source knows it: an event that is present but unusable
    # must not count as vanished, which would cancel its appointment.
    uid: str | None = None
    # When the event was, if it could be read: staff find it in the calendar by it.
    start: datetime | None = None


@dataclass(slots=True)
class SourceRead:
    """Everything one read of one source produced."""

    events: list[AppointmentEvent] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    outside_window: int = 0
    # Events sync applies only to appointments it already has: single (non-recurring)
    # events outside the window, so one moved far ahead moves instead of vanishing, and
    # FHIR appointments no longer booked (pending, entered-in-error), which stop.
    beyond_window: list[AppointmentEvent] = field(default_factory=list)
    # Parts of the file other than events that could not be read and were left out (a
    # VTODO, a VALARM, a VTIMEZONE). Shown with the rejections; they never make a read
    # count as non-empty, since they say nothing about which appointments exist.
    skipped: list[Rejected] = field(default_factory=list)
    # False for a read of what changed since the last one (FHIR `_lastUpdated`): what it
    # does not name is unchanged, not gone, so it never counts an appointment absent.
    complete: bool = True
