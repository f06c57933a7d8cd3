"""FHIR R4 `Patient` and `Appointment` resources as roster rows and appointment events.

Pure functions over `fhir.resources` models: what a FHIR server's schedule means for
followup, decided without a server or a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from followup.calendar.events import AppointmentEvent, EventStatus, PatientRef, Rejected, SourceRead
from followup.calendar.roster import RosterRow
from followup.core.phones import InvalidPhone, to_e164

# Appointment.status: booked, arrived and checked-in are still to be given; fulfilled was
# given and keeps its check-ins; entered-in-error never happened.
STATUSES = {
    "booked": EventStatus.BOOKED,
    "arrived": EventStatus.BOOKED,
    "checked-in": EventStatus.BOOKED,
    "fulfilled": EventStatus.COMPLETED,
    "cancelled": EventStatus.CANCELLED,
    "noshow": EventStatus.NO_SHOW,
    "entered-in-error": EventStatus.CANCELLED,
}
# Not booked (yet): no messages. One followup already holds as booked stops (it is taken
# as cancelled); one it does not hold is not created.
NOT_BOOKED = frozenset({"proposed", "pending", "waitlist"})
# Taken only for appointments followup already holds, never created: they never were.
_KNOWN_ONLY = NOT_BOOKED | {"entered-in-error"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
# HumanName.use, the name a person goes by first: a chosen name before the legal one.
_NAME_USES = ("usual", "official", None, "temp", "nickname", "maiden")
_UNLISTED = len(_NAME_USES)
_NOT_CURRENT = {"old", "anonymous"}


@dataclass(frozen=True, slots=True)
class MappingOptions:
    """What reading appointments needs to know of the protocol and the sync."""

    window_start: datetime
    window_end: datetime
    default_duration: timedelta
    known_treatments: frozenset[str]


@dataclass(slots=True)
class Resources:
    """A search's resources as models, deduplicated by id (an include repeats on pages)."""

    patients: dict[str, Patient] = field(default_factory=dict)
    appointments: dict[str, Appointment] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)


def parse_resources(raw: Iterable[dict[str, Any]]) -> Resources:
    """Validate each Patient and Appointment with its model; one that fails is named (an
    appointment with its id, so it is not taken for deleted), the others go on."""
    found = Resources()
    for resource in raw:
        kind, rid = resource.get("resourceType"), str(resource.get("id") or "")
        model: type[Patient] | type[Appointment]
        if kind == "Patient":
            model = Patient
        elif kind == "Appointment":
            model = Appointment
        else:
            continue
        try:
            parsed = model.model_validate(resource)
        except ValidationError as exc:
            reason = f"not a valid {kind} ({exc.error_count()} problem(s))"
            uid = rid if kind == "Appointment" and rid else None
            found.rejected.append(Rejected(f"{kind}/{rid or '?'}", reason, uid=uid))
            continue
        if isinstance(parsed, Patient):
            found.patients[rid] = parsed
        else:
            found.appointments[rid] = parsed
    return found


def patient_row(patient: Patient, region: str, consent_extension: str | None) -> RosterRow:
    """The roster row a Patient states; what it does not state stays as stored.

    Consent comes from the `consent_extension` (valueBoolean for both channels, or
    sub-extensions "sms" and "email"); a patient without it keeps the roster's consent, and
    a new one has none until the roster or the extension gives it."""
    first, last = _name(patient.name or [])
    phone = next(_phones(patient.telecom or [], region), None)
    email = next(_emails(patient.telecom or []), None)
    unstated = {"timezone"}  # FHIR's Patient has no time zone of its own
    sms = email_ok = False
    if _deceased(patient):
        pass  # nobody is messaged on behalf of a patient who has died, whatever was consented
    elif (consent := _consent(patient.extension or [], consent_extension)) is not None:
        sms, email_ok = consent
    else:
        unstated |= {"sms_consent", "email_consent"}
    return RosterRow(
        patient_id=str(patient.id),
        first_name=first[:100],
        last_name=last[:100],
        phone=phone,
        email=email,
        language=_language(patient),
        timezone=None,
        sms_consent=sms,
        email_consent=email_ok,
        unstated=frozenset(unstated),
    )


def patient_problems(patient: Patient, region: str) -> list[Rejected]:
    """Contact points left out, named so staff can correct them in the EHR."""
    ref = f"Patient/{patient.id}"
    problems = []
    for point in _current(patient.telecom or []):
        if point.system in ("sms", "phone") and point.value:
            try:
                to_e164(point.value, region)
            except InvalidPhone as exc:
                problems.append(Rejected(ref, f"telecom {point.system} left out: {exc}"))
        elif point.system == "email" and point.value and not _EMAIL.match(point.value.strip()):
            problems.append(Rejected(ref, "telecom email left out: not an email address"))
    return problems


def read_appointments(appointments: Iterable[Appointment], options: MappingOptions) -> SourceRead:
    """Appointments as events: inside the window, beyond it, or rejected by id.

    A rejection carries the appointment's id, so sync never takes an unusable appointment
    for a deleted one.
    """
    read = SourceRead()
    for appointment in appointments:
        uid = str(appointment.id or "")
        if not uid:
            read.rejected.append(Rejected("(Appointment without id)", "appointment has no id"))
            continue
        status = str(appointment.status or "")
        if status not in STATUSES and status not in NOT_BOOKED:
            reason = f"unknown status {status!r}"
            read.rejected.append(Rejected(f"Appointment/{uid}", reason, uid=uid))
            continue
        try:
            event = appointment_event(appointment, options)
        except ValueError as exc:
            read.rejected.append(Rejected(f"Appointment/{uid}", str(exc), uid=uid))
            continue
        inside = options.window_start <= event.start < options.window_end
        if not inside:
            read.outside_window += 1
        if status in _KNOWN_ONLY or not inside:
            read.beyond_window.append(event)
        else:
            read.events.append(event)
    return read


def appointment_event(appointment: Appointment, options: MappingOptions) -> AppointmentEvent:
    """One Appointment as an event; ValueError names what makes it unusable."""
    uid = str(appointment.id)
    if appointment.start is None:
        raise ValueError("appointment has no start")
    start = _utc(appointment.start)
    if appointment.end is not None:
        end = _utc(appointment.end)
        if end < start:
            raise ValueError("end is before start")
    elif appointment.minutesDuration:
        end = start + timedelta(minutes=int(appointment.minutesDuration))
    else:
        end = start
    status = str(appointment.status)
    return AppointmentEvent(
        uid=uid,
        start=start,
        # As ICS: an appointment without a length lasts the protocol's default.
        end=start + options.default_duration if end == start else end,
        patient=_patient_ref(appointment),
        status=EventStatus.CANCELLED if status in NOT_BOOKED else STATUSES[status],
        treatment=treatment(
            [*(appointment.serviceType or []), appointment.appointmentType],
            options.known_treatments,
        ),
        location=_location(appointment),
        last_modified=_utc(appointment.meta.lastUpdated)
        if appointment.meta and appointment.meta.lastUpdated
        else None,
        ref=f"Appointment/{uid}",
    )


def treatment(concepts: Sequence[CodeableConcept | None], known: frozenset[str]) -> str | None:
    """The first code, display or text that names one of the protocol's treatments; none
    (the default treatment) when nothing does, as for an ICS event without X-TREATMENT."""
    for concept in concepts:
        if concept is None:
            continue
        said = [c for coding in concept.coding or [] for c in (coding.code, coding.display)]
        for text in [*said, concept.text]:
            if text and (name := str(text).strip().lower()) in known:
                return name
    return None


def patient_ids(appointment: Appointment) -> set[str]:
    """The ids of the Patients taking part (a declined participant does not)."""
    return {
        reference.rsplit("/", 1)[-1]
        for participant in appointment.participant or []
        if participant.status != "declined"
        and participant.actor is not None
        and (reference := str(participant.actor.reference or ""))
        and _kind(reference) == "Patient"
    }


def _patient_ref(appointment: Appointment) -> PatientRef:
    ids = patient_ids(appointment)
    if len(ids) != 1:
        raise ValueError(f"names {len(ids)} patients, not one" if ids else "names no patient")
    return PatientRef(patient_id=ids.pop())


def _location(appointment: Appointment) -> str | None:
    for participant in appointment.participant or []:
        actor = participant.actor
        if actor is not None and _kind(str(actor.reference or "")) == "Location" and actor.display:
            return " ".join(str(actor.display).split())[:200]
    return None


def _kind(reference: str) -> str:
    """The resource type of a relative or absolute reference ("Patient/1", "https://…/Patient/1")."""
    parts = reference.rstrip("/").split("/")
    return parts[-2] if len(parts) >= 2 else ""


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:  # an instant always has an offset; a server that dropped it
        raise ValueError("a time has no UTC offset")
    return value.astimezone(UTC)


def _name(names: Sequence[HumanName]) -> tuple[str, str]:
    current = [n for n in names if n.use not in _NOT_CURRENT]
    if not current:
        return "", ""
    name = min(current, key=lambda n: _NAME_USES.index(n.use) if n.use in _NAME_USES else _UNLISTED)
    if name.given or name.family:
        return str((name.given or [""])[0] or ""), str(name.family or "")
    return str(name.text or ""), ""


def _current(points: Sequence[ContactPoint]) -> list[ContactPoint]:
    """Contact points in use, in the patient's order of preference: rank 1 first, unranked
    after every ranked one, then as written."""
    live = [
        p
        for p in points
        if p.use != "old" and not (p.period is not None and p.period.end is not None)
    ]
    return sorted(live, key=lambda p: (p.rank is None, p.rank or 0))


def _phones(points: Sequence[ContactPoint], region: str) -> Iterator[str]:
    """Numbers to text, best first: an sms contact point, then a mobile phone, then any
    phone (a home or work line may not take texts); by rank within each."""

    def textable(point: ContactPoint) -> int:
        return 0 if point.system == "sms" else 1 if point.use == "mobile" else 2

    for point in sorted(
        (p for p in _current(points) if p.system in ("sms", "phone") and p.value), key=textable
    ):
        try:
            yield to_e164(str(point.value), region)
        except InvalidPhone:
            continue


def _emails(points: Sequence[ContactPoint]) -> Iterator[str]:
    for point in _current(points):
        value = str(point.value or "").strip().lower()
        if point.system == "email" and _EMAIL.match(value):
            yield value


def _language(patient: Patient) -> str:
    """The preferred communication language's primary subtag ("es-MX" -> "es"), else "en"."""
    spoken = sorted(patient.communication or [], key=lambda c: not c.preferred)
    for communication in spoken:
        concept = communication.language
        codes = [c.code for c in concept.coding or [] if c.code] if concept else []
        for code in codes:
            primary = str(code).lower().replace("_", "-").split("-")[0]
            if _LANGUAGE.match(primary):
                return primary
    return "en"


def _deceased(patient: Patient) -> bool:
    return bool(patient.deceasedBoolean) or patient.deceasedDateTime is not None


def _consent(extensions: Sequence[Extension], url: str | None) -> tuple[bool, bool] | None:
    """(sms, email) consent from the configured extension, or None when it says nothing."""
    found = next((e for e in extensions if url and e.url == url), None)
    if found is None:
        return None
    if found.valueBoolean is not None:
        return bool(found.valueBoolean), bool(found.valueBoolean)
    parts = {e.url: bool(e.valueBoolean) for e in found.extension or []}
    if not parts:
        return None
    return parts.get("sms", False), parts.get("email", False)
