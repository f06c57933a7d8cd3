from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from followup.db.migrate import pending_revisions
from followup.db.models import Appointment, Patient, ScheduledMessage

T0 = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []
    assert not pending_revisions(engine)


def _patient(session: Session) -> Patient:
    patient = Patient(external_id="P1", created_at=T0, updated_at=T0)
    session.add(patient)
    session.flush()
    return patient


def test_datetimes_come_back_aware_utc_on_sqlite(engine: Engine) -> None:
    chicago = timezone(timedelta(hours=-6))
    with Session(engine) as session:
        patient = _patient(session)
        session.add(
            Appointment(
                source="s",
                source_uid="u",
                patient_id=patient.id or 0,
                start_at=T0.astimezone(chicago),
                end_at=T0,
                treatment="x",
                created_at=T0,
                updated_at=T0,
            )
        )
        session.commit()
    with Session(engine) as session:
        appt = session.exec(select(Appointment)).one()
    assert appt.start_at == T0 and appt.start_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(Exception, match="must be timezone-aware"):
        session.add(Patient(external_id="P1", created_at=datetime(2026, 1, 1), updated_at=T0))  # noqa: DTZ001
        session.flush()


def test_one_message_per_appointment_step_and_channel(engine: Engine) -> None:
    with Session(engine) as session:
        patient = _patient(session)
        appt = Appointment(
            source="s",
            source_uid="u",
            patient_id=patient.id or 0,
            start_at=T0,
            end_at=T0,
            treatment="x",
            created_at=T0,
            updated_at=T0,
        )
        session.add(appt)
        session.flush()
        for _ in range(2):
            session.add(
                ScheduledMessage(
                    appointment_id=appt.id or 0,
                    patient_id=patient.id or 0,
                    step="discharge",
                    kind="discharge",
                    template="discharge",
                    channel="sms",
                    due_at=T0,
                    created_at=T0,
                    updated_at=T0,
                )
            )
        with pytest.raises(IntegrityError):
            session.flush()
