"""Patients' rating scales as FHIR resources, read from the database: what the API's FHIR
searches and reads and `followup reports export --format fhir` return."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from followup.db.models import InstrumentResponse, Patient
from followup.instruments.fhir import FhirResource, Subject, resources_of
from followup.instruments.records import administrations
from followup.protocol import Protocol

# Patients per query when many are exported: well under SQLite's limit on the parameters
# of one statement.
BATCH = 500
# `<instrument>-<row id>` or `<instrument>-<row id>-total`; nine digits at most keeps the
# number inside an INTEGER column, so a made-up id is a miss and never a database error.
_ID = re.compile(r"[a-z][a-z0-9-]*-(\d{1,9})(?:-total)?")


def subject_of(patient: Patient) -> Subject:
    return Subject(patient.id or 0, patient.external_id)


def subjects(session: Session, external_id: str | None = None) -> list[Subject]:
    """Every patient (or the one with this clinic id), by id."""
    query = select(Patient).order_by(col(Patient.id))
    if external_id is not None:
        query = query.where(Patient.external_id == external_id)
    return [subject_of(patient) for patient in session.exec(query)]


def patient_resources(
    session: Session, protocol: Protocol, now: datetime, patients: Sequence[Subject]
) -> list[FhirResource]:
    """The patients' exported administrations, patient by patient in the order given and
    each one's oldest first: a QuestionnaireResponse, then its total's Observation."""
    by_id = {subject.id: subject for subject in patients}
    order = {subject.id: place for place, subject in enumerate(patients)}
    found: list[FhirResource] = []
    for start in range(0, len(patients), BATCH):
        ids = [subject.id for subject in patients[start : start + BATCH]]
        taken = administrations(session, protocol, ids, now)
        for administration in sorted(taken, key=lambda a: order[a.patient_id]):  # stable
            instrument = protocol.instruments[administration.instrument]
            found += resources_of(administration, instrument, by_id[administration.patient_id])
    return found


def read(
    session: Session,
    protocol: Protocol,
    now: datetime,
    resource_type: str,
    resource_id: str,
    seen: Callable[[Patient], bool] = lambda _patient: True,
) -> FhirResource | None:
    """One resource by its type and id, or None when there is no such exported resource
    (or its patient is not one the caller sees)."""
    match = _ID.fullmatch(resource_id)
    if match is None:
        return None
    row = session.get(InstrumentResponse, int(match.group(1)))
    patient = session.get(Patient, row.patient_id) if row is not None else None
    if patient is None or not seen(patient):
        return None
    return next(
        (
            resource
            for resource in patient_resources(session, protocol, now, [subject_of(patient)])
            if resource.get_resource_type() == resource_type and resource.id == resource_id
        ),
        None,
    )
