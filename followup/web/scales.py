"""What the staff pages read of the rating scales, each page in a fixed number of queries.

The patient page reads one patient's administrations; the Today page reads the latest
totals of every patient it lists at once, so forty patients cost what one does.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, Engine
from sqlmodel import Session, col, select

from followup.db.models import Patient
from followup.instruments.records import Administration, administrations
from followup.protocol import Protocol
from followup.staff.scope import visible_or_all
from followup.web.scale_series import InstrumentScores, by_instrument, latest_line

__all__ = ["latest_lines", "patient_scales"]


def patient_scales(
    engine: Engine, protocol: Protocol, patient_id: int, now: datetime
) -> list[InstrumentScores]:
    """One patient's instruments that have any administration, series by series."""
    with Session(engine) as session:
        found = administrations(session, protocol, [patient_id], now)
    return by_instrument(protocol.instruments, found)


def latest_lines(
    engine: Engine,
    protocol: Protocol,
    external_ids: Collection[str],
    now: datetime,
    visible: ColumnElement[bool] | None = None,
) -> dict[str, list[str]]:
    """Per patient id (the clinic's), a line per instrument with a total (`latest_line`).
    Patients with no total are left out."""
    if not external_ids:
        return {}
    with Session(engine) as session:
        ids = dict(
            session.exec(
                select(Patient.id, Patient.external_id).where(
                    col(Patient.external_id).in_(sorted(set(external_ids))),
                    visible_or_all(visible),
                )
            ).all()
        )
        found = administrations(session, protocol, [i for i in ids if i is not None], now)
    per_patient: dict[int, list[Administration]] = {}
    for a in found:
        per_patient.setdefault(a.patient_id, []).append(a)
    lines: dict[str, list[str]] = {}
    for patient_id, given in per_patient.items():
        for scores in by_instrument(protocol.instruments, given):
            line = latest_line(scores)
            if line is not None:
                lines.setdefault(ids[patient_id], []).append(line)
    return lines
