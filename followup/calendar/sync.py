"""Write what sources read into the database: patients by id, appointments by source+uid.

One rule for every source (file, feed, FHIR server, `followup import`): an appointment is
cancelled by an explicit STATUS:CANCELLED, or when it is missing from `absent_reads`
consecutive good complete reads of its source (a read of changes only never counts). A read that fails never gets here, and an empty read (no events at
all while booked future appointments are held) counts for nothing: a calendar export that
broke must not cancel a clinic's week.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from followup.calendar.events import AppointmentEvent, EventStatus, PatientRef, Rejected, SourceRead
from followup.calendar.roster import RosterRow
from followup.consent.roster import RosterConsent, apply_roster
from followup.core.phones import InvalidPhone, to_e164
from followup.db.models import Appointment, Patient
from followup.protocol.locations import MAIN

log = logging.getLogger(__name__)

DEFAULT_ABSENT_READS = 3


class SyncStatus(StrEnum):
    """How one sync of one source went (the `sync_run.status` values)."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"  # HTTP 304: nothing read, nothing counted
    EMPTY = "empty"  # no events while future bookings are held: nothing cancelled
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Absent:
    """A booked appointment missing from its source, not yet cancelled."""

    uid: str
    start_at: datetime
    missing: int  # consecutive good reads it was missing from
    cancel_after: int  # FOLLOWUP_CALENDAR_ABSENT_READS

    @property
    def reads_left(self) -> int:
        """How many more good reads it may be missing from before it is cancelled."""
        return self.cancel_after - self.missing


@dataclass(slots=True)
class SyncCounts:
    """What one source changed; `patients` are the ones whose plan must be redone."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    outside_window: int = 0
    patients: set[int] = field(default_factory=set)
    absent: list[Absent] = field(default_factory=list)
    empty: bool = False  # the read was empty and counted for nothing


def lock_key(source: str) -> int:
    """The PostgreSQL advisory lock key of a source: a signed 64-bit hash of its identity."""
    digest = hashlib.sha256(f"followup.calendar-sync:{source}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def source_lock(engine: Engine, source: str) -> Iterator[bool]:
    """Hold the source's advisory lock on PostgreSQL; yields False when another holds it.

    The lock lives on its own connection for the whole sync, so it is released when the
    sync ends or, if the process dies, when PostgreSQL drops the connection. SQLite serves
    one process: there is nobody to exclude.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(source)
    with engine.connect() as connection:
        held = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        )
        connection.commit()
        if not held:
            yield False
            return
        try:
            yield True
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()


def upsert_patients(
    session: Session, rows: list[RosterRow], now: datetime, source: str = "roster"
) -> SyncCounts:
    """Create or update patients by external id; their consent columns become consent
    records (`followup.consent.roster`), and opt-outs are never undone by a roster."""
    existing = {
        p.external_id: p
        for p in session.exec(
            select(Patient).where(col(Patient.external_id).in_([r.patient_id for r in rows]))
        )
    }
    counts = SyncCounts()
    consents: list[RosterConsent] = []
    for row in rows:
        values: dict[str, Any] = {
            "first_name": row.first_name,
            "last_name": row.last_name,
            "phone": row.phone,
            "email": row.email,
            "language": row.language,
            "timezone": row.timezone,
        }
        patient = existing.get(row.patient_id)
        new_number = patient is None or patient.phone != row.phone
        touched = True
        # A source that does not say (a FHIR server without the consent extension, which
        # has no time zone either) leaves what is stored as it is.
        keeps_consent = patient is not None and bool(
            row.unstated & {"sms_consent", "email_consent"}
        )
        if patient is not None:
            values = {k: v for k, v in values.items() if k not in row.unstated}
        if patient is None:
            patient = Patient(external_id=row.patient_id, created_at=now, updated_at=now, **values)
            session.add(patient)
            counts.created += 1
        elif _assign(patient, values):
            patient.updated_at = now
            counts.updated += 1
        else:
            counts.unchanged += 1
            touched = False
        if touched:
            session.flush()
            assert patient.id is not None
            counts.patients.add(patient.id)
        if not keeps_consent:
            consents.append(
                RosterConsent(
                    patient.id or 0, row.phone, row.sms_consent, row.email_consent, new_number
                )
            )
    changed = apply_roster(session, consents, source, now)
    # A patient whose only change is their consent counts as updated, not unchanged.
    only_consent = changed - counts.patients
    counts.updated += len(only_consent)
    counts.unchanged -= len(only_consent)
    counts.patients |= changed
    return counts


class PatientIndex:
    """Finds the patient an event names: X-PATIENT-ID first, else its attendees."""

    def __init__(self, session: Session, region: str) -> None:
        self.region = region
        self.by_id: dict[str, int] = {}
        self.by_email: dict[str, set[int]] = defaultdict(set)
        self.by_phone: dict[str, set[int]] = defaultdict(set)
        for pid, external_id, email, phone in session.exec(
            select(Patient.id, Patient.external_id, Patient.email, Patient.phone)
        ):
            assert pid is not None
            self.by_id[external_id] = pid
            if email:
                self.by_email[email.lower()].add(pid)
            if phone:
                self.by_phone[phone].add(pid)

    def match(self, ref: PatientRef) -> tuple[int | None, str]:
        """The patient's row id, or None and the reason nobody matched."""
        if ref.patient_id:
            pid = self.by_id.get(ref.patient_id)
            return (
                (pid, "") if pid else (None, f"patient id {ref.patient_id!r} is not in the roster")
            )
        if not ref:
            return None, "names no patient (no X-PATIENT-ID or ATTENDEE)"
        found: set[int] = set()
        for email in ref.emails:
            found |= self.by_email.get(email.lower(), set())
        for phone in ref.phones:
            try:
                found |= self.by_phone.get(to_e164(phone, self.region), set())
            except InvalidPhone:
                continue
        if len(found) == 1:
            return found.pop(), ""
        attendees = len(ref.emails) + len(ref.phones)
        if not found:
            return None, f"no roster patient matches its {attendees} attendee(s)"
        return None, f"its attendees match {len(found)} different patients"


def sync_events(
    session: Session,
    source: str,
    read: SourceRead,
    index: PatientIndex,
    window: tuple[datetime, datetime],
    now: datetime,
    default_treatment: str,
    absent_reads: int = DEFAULT_ABSENT_READS,
    locate: Callable[[AppointmentEvent], str] = lambda _event: MAIN,
) -> SyncCounts:
    """Upsert one source's events; cancel booked future appointments missing from it for
    `absent_reads` consecutive good reads (an empty read counts for nothing). `locate`
    says which location each event belongs to."""
    counts = SyncCounts(
        rejected=[*read.rejected, *read.skipped], outside_window=read.outside_window
    )
    stored = {
        a.source_uid: a
        for a in session.exec(select(Appointment).where(Appointment.source == source))
    }
    # A rejected event is present, only unusable: it and, for a series, every stored
    # occurrence of it ("UID/20260302T150000Z") must not be taken for deleted.
    present = {r.uid for r in read.rejected if r.uid}
    for event in read.events:
        present.add(event.uid)
        patient_id, reason = index.match(event.patient)
        if patient_id is None:
            counts.rejected.append(
                Rejected(event.ref or event.uid, reason, uid=event.uid, start=event.start)
            )
            continue
        appt = stored.get(event.uid)
        _apply_event(
            session, source, event, patient_id, appt, now, default_treatment, counts, locate
        )
    for event in read.beyond_window:
        present.add(event.uid)
        patient_id, _ = index.match(event.patient)
        if event.uid in stored and patient_id is not None:
            appt = stored[event.uid]
            _apply_event(
                session, source, event, patient_id, appt, now, default_treatment, counts, locate
            )
    # A read of changes only (FHIR's `_lastUpdated`) says nothing of what it does not name:
    # nothing is at risk of being taken for deleted.
    at_risk = {
        uid: appt
        for uid, appt in stored.items()
        if read.complete
        and appt.status == EventStatus.BOOKED
        and window[0] <= appt.start_at < window[1]
        and appt.start_at > now
    }
    if is_empty(read) and at_risk:
        # A calendar with bookings does not empty itself at once; an export that broke does.
        counts.empty = True
        session.flush()
        return counts
    for uid, appt in stored.items():
        if uid in present or uid.split("/", 1)[0] in present:
            appt.absent_reads = 0  # seen again: the count starts over
        elif uid in at_risk:
            _count_absence(appt, uid, now, absent_reads, counts)
    session.flush()
    locate_patients(session, counts.patients)
    return counts


def locate_patients(session: Session, patient_ids: set[int]) -> None:
    """Each patient belongs to the location of their latest active appointment: the one
    whose staff see them, whose name and numbers their messages carry outside a visit."""
    if not patient_ids:
        return
    latest = (
        select(Appointment.patient_id, Appointment.location)
        .where(
            col(Appointment.patient_id).in_(sorted(patient_ids)),
            Appointment.status != EventStatus.CANCELLED,
        )
        .order_by(col(Appointment.patient_id), col(Appointment.start_at).desc())
    )
    found: dict[int, str] = {}
    for patient_id, location in session.exec(latest):
        found.setdefault(patient_id, location)
    for patient_id, location in found.items():
        patient = session.get(Patient, patient_id)
        if patient is not None and patient.location != location:
            patient.location = location
            session.add(patient)


def is_empty(read: SourceRead) -> bool:
    """A read with no events at all, usable or not, in or beyond the window."""
    return not (read.events or read.rejected or read.beyond_window)


def _count_absence(
    appt: Appointment, uid: str, now: datetime, absent_reads: int, counts: SyncCounts
) -> None:
    appt.absent_reads += 1
    if appt.absent_reads < absent_reads:
        counts.absent.append(Absent(uid, appt.start_at, appt.absent_reads, absent_reads))
        return
    appt.status = EventStatus.CANCELLED
    appt.updated_at = now
    counts.cancelled += 1
    counts.patients.add(appt.patient_id)


def _apply_event(
    session: Session,
    source: str,
    event: AppointmentEvent,
    patient_id: int,
    appt: Appointment | None,
    now: datetime,
    default_treatment: str,
    counts: SyncCounts,
    locate: Callable[[AppointmentEvent], str],
) -> None:
    values: dict[str, Any] = {
        "location": locate(event),
        "patient_id": patient_id,
        "start_at": event.start,
        "end_at": event.end,
        "status": event.status,
        "treatment": event.treatment or default_treatment,
        "source_sequence": event.sequence,
        "source_modified_at": event.last_modified,
    }
    if appt is None:
        session.add(
            Appointment(
                source=source, source_uid=event.uid, created_at=now, updated_at=now, **values
            )
        )
        counts.patients.add(patient_id)
        if event.status == EventStatus.CANCELLED:
            counts.cancelled += 1
        else:
            counts.created += 1
        return
    # An older revision of the event (lower SEQUENCE) must not undo a newer one.
    if event.sequence < appt.source_sequence:
        counts.unchanged += 1
        return
    before = (appt.patient_id, appt.status)
    if not _assign(appt, values):
        counts.unchanged += 1
        return
    appt.updated_at = now
    counts.patients.update({before[0], patient_id})
    if appt.status == EventStatus.CANCELLED and before[1] != EventStatus.CANCELLED:
        counts.cancelled += 1
    else:
        counts.updated += 1


def _assign(row: Patient | Appointment, values: dict[str, Any]) -> bool:
    """Set changed attributes; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
