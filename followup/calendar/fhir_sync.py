"""Sync a FHIR R4 server's Patients and Appointments, as a calendar feed is synced.

Two kinds of read. A read of changes asks for what was updated since the last good read
(`_lastUpdated`, by the server's clock, a few minutes early): cheap, and applied as it
comes, but it cannot see an appointment deleted outright, so it never counts one absent.
A complete read asks for every appointment from the import window's start: it alone
counts absences, and cancels as a feed does after `absent_reads` reads in a row. It runs
first, every `full_every`, and on every sync while an appointment is counted absent, so a
deletion is confirmed at the sync interval once it is first noticed.

A failed read (the server, a page, an OperationOutcome, the token) changes nothing but the
backoff; an empty complete read counts for nothing. Every sync is a `sync_run` row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import requests
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.calendar.feeds import FeedOptions, backoff
from followup.calendar.fhir_client import FhirServer, access_token, search
from followup.calendar.fhir_mapping import (
    MappingOptions,
    Resources,
    parse_resources,
    patient_ids,
    patient_problems,
    patient_row,
    read_appointments,
)
from followup.calendar.importing import (
    BACKOFF_SLACK,
    ImportWindow,
    absence_pending,
    record_run,
    sync_read,
)
from followup.calendar.sync import (
    DEFAULT_ABSENT_READS,
    SyncCounts,
    SyncStatus,
    source_lock,
    upsert_patients,
)
from followup.core import clock
from followup.core.errors import SourceError
from followup.db.models import FeedState, Patient
from followup.planning.scheduling import PlanCounts, replan_patients
from followup.protocol import Protocol

log = logging.getLogger(__name__)

# A read of changes starts this long before the last one began, by the server's clock:
# what was updated while it paged is read twice rather than never.
OVERLAP = timedelta(minutes=5)
DEFAULT_FULL_EVERY = timedelta(hours=1)


@dataclass(slots=True)
class FhirReport:
    """The outcome of one sync of one FHIR server."""

    server: FhirServer
    complete: bool = False  # a complete read, not a read of changes
    status: SyncStatus = SyncStatus.OK
    counts: SyncCounts = field(default_factory=SyncCounts)
    plan: PlanCounts = field(default_factory=PlanCounts)
    patients: SyncCounts = field(default_factory=SyncCounts)
    http_status: int | None = None
    error: str | None = None
    skipped: str | None = None  # why nothing was attempted (locked, backing off)


@dataclass(frozen=True, slots=True)
class FhirSync:
    """How a server is synced, beyond how it is fetched."""

    options: FeedOptions
    absent_reads: int = DEFAULT_ABSENT_READS
    full_every: timedelta = DEFAULT_FULL_EVERY
    consent_extension: str | None = None
    overlap: timedelta = OVERLAP


def sync_fhir(
    engine: Engine,
    protocol: Protocol,
    window: ImportWindow,
    server: FhirServer,
    how: FhirSync,
    dry_run: bool = False,
) -> FhirReport:
    """Sync the server once, unless it is backing off or another process syncs it."""
    report = FhirReport(server)
    with source_lock(engine, server.source) as held, requests.Session() as http:
        if held:
            _sync(engine, http, report, protocol, window, how, dry_run)
        else:
            report.skipped = "another process is syncing it"
    if report.skipped:
        log.debug("FHIR server %s not synced: %s", server.source, report.skipped)
    return report


def _sync(
    engine: Engine,
    http: requests.Session,
    report: FhirReport,
    protocol: Protocol,
    window: ImportWindow,
    how: FhirSync,
    dry_run: bool,
) -> None:
    server, now, source = report.server, window.now, report.server.source
    with Session(engine, expire_on_commit=False) as session:
        state = session.get(FeedState, source) or FeedState(source=source, updated_at=now)
        if state.next_attempt_at is not None and now < state.next_attempt_at - BACKOFF_SLACK:
            report.skipped = f"backing off after {state.failures} failure(s)"
            return
        since = state.changes_since
        report.complete = (
            since is None
            or state.full_read_at is None
            or now - state.full_read_at >= how.full_every
            or absence_pending(session, source)
        )
        session.commit()  # no transaction left open while the server takes its time
        started = clock.now()
        try:
            resources, server_time = _read(http, server, how.options, window, since, report)
        except SourceError as exc:
            _failed(session, report, state, started, exc, how.options, now)
            if not dry_run:
                session.commit()
            return
        state.failures, state.next_attempt_at, state.updated_at = 0, None, now
        _apply(session, report, resources, protocol, window, how)
        if report.counts.empty:
            report.status = SyncStatus.EMPTY  # not a good complete read: the next is one too
        else:
            if not report.complete and not (resources.appointments or report.patients.patients):
                report.status = SyncStatus.NOT_MODIFIED
            state.changes_since = (server_time or started) - how.overlap
            if report.complete:
                state.full_read_at = started
        session.add(state)
        record_run(session, source, started, report.status, report.counts, report.http_status)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    log.info(
        "FHIR server %s (%s read): status=%s created=%d updated=%d cancelled=%d absent=%d "
        "rejected=%d patients created=%d updated=%d",
        source,
        "complete" if report.complete else "changes",
        report.status,
        report.counts.created,
        report.counts.updated,
        report.counts.cancelled,
        len(report.counts.absent),
        len(report.counts.rejected),
        report.patients.created,
        report.patients.updated,
    )


def _read(
    http: requests.Session,
    server: FhirServer,
    options: FeedOptions,
    window: ImportWindow,
    since: datetime | None,
    report: FhirReport,
) -> tuple[Resources, datetime | None]:
    """Every resource the sync needs, or `SourceError` before anything is written."""
    token = access_token(http, server, options)
    paging = [("_count", str(server.page_size))]
    if report.complete or since is None:
        which = [("date", f"ge{_instant(window.bounds[0])}")]
    else:
        which = [("_lastUpdated", f"ge{_instant(since)}")]
    # The clinic's own parameters are added, not replaced: FHIR ANDs a repeated one.
    wanted = [*parse_qsl(server.appointment_search), *which, ("_include", "Appointment:patient")]
    found = search(http, server, options, token, "Appointment", wanted + paging)
    raw = found.resources
    if not report.complete:
        # A patient's new number or consent must not wait for their next appointment change.
        raw = raw + search(http, server, options, token, "Patient", which + paging).resources
    report.http_status = 200
    return parse_resources(raw), found.server_time


def _apply(
    session: Session,
    report: FhirReport,
    resources: Resources,
    protocol: Protocol,
    window: ImportWindow,
    how: FhirSync,
) -> None:
    region = protocol.clinic.country
    # Only the patients of the clinic's appointments, and ones it already holds: an EHR's
    # other patients are none of followup's business.
    booked = {pid for a in resources.appointments.values() for pid in patient_ids(a)}
    held = set(
        session.exec(
            select(Patient.external_id).where(col(Patient.external_id).in_(resources.patients))
        ).all()
    )
    patients = [p for pid, p in resources.patients.items() if pid in booked or pid in held]
    report.patients = upsert_patients(
        session, [patient_row(p, region, how.consent_extension) for p in patients], window.now
    )
    start, end = window.bounds
    read = read_appointments(
        resources.appointments.values(),
        MappingOptions(
            window_start=start,
            window_end=end,
            default_duration=protocol.default_duration,
            known_treatments=protocol.treatments_known,
        ),
    )
    read.rejected = [*resources.rejected, *read.rejected]
    read.complete = report.complete
    counts = sync_read(session, report.server.source, read, protocol, window, how.absent_reads)
    counts.rejected += [r for p in patients for r in patient_problems(p, region)]
    counts.patients |= report.patients.patients
    report.counts = counts
    report.plan = replan_patients(session, counts.patients, protocol, window.now)


def _failed(
    session: Session,
    report: FhirReport,
    state: FeedState,
    started: datetime,
    exc: SourceError,
    options: FeedOptions,
    now: datetime,
) -> None:
    report.status, report.error = SyncStatus.FAILED, str(exc)
    report.http_status = getattr(exc, "http_status", None)
    state.failures += 1
    state.next_attempt_at = now + backoff(state.failures, options)
    state.updated_at = now
    session.add(state)
    record_run(
        session,
        report.server.source,
        started,
        report.status,
        None,
        report.http_status,
        report.error,
    )
    log.warning(
        "FHIR server %s failed (%d in a row, next try %s): %s",
        report.server.source,
        state.failures,
        state.next_attempt_at.isoformat(),
        report.error,
    )


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
