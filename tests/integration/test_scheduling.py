"""Re-planning in bulk: many patients at once, and a session that holds ORM objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, bindparam, func, insert, update
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.planning.scheduling import PATIENT_CHUNK, replan_patients
from followup.protocol import Protocol

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
P = Patient.__table__  # type: ignore[attr-defined]
A = Appointment.__table__  # type: ignore[attr-defined]
M = ScheduledMessage.__table__  # type: ignore[attr-defined]


def seed(engine: Engine, patients: int, infusions: int) -> list[int]:
    """Patients with phone, email and consent, each with weekly infusions; their ids."""
    with engine.begin() as connection:
        connection.execute(
            insert(P),
            [
                {
                    "external_id": f"P{n}",
                    "first_name": "Ana",
                    "phone": f"+1402555{n:04d}",
                    "email": f"p{n}@example.org",
                    "sms_consent": True,
                    "email_consent": True,
                    "timezone": "America/Chicago",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(patients)
            ],
        )
        ids = list(connection.execute(core_select(P.c.id).order_by(P.c.id)).scalars())
        connection.execute(
            insert(A),
            [
                {
                    "source": "bulk.ics",
                    "source_uid": f"{pid}-{k}",
                    "patient_id": pid,
                    "start_at": FIRST + timedelta(weeks=k),
                    "end_at": FIRST + timedelta(weeks=k, minutes=90),
                    "treatment": "depression",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for pid in ids
                for k in range(infusions)
            ],
        )
    return ids


def statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(core_select(M.c.status, func.count()).group_by(M.c.status))
        return {row[0]: row[1] for row in rows}


def test_more_patients_than_one_chunk_all_get_their_plan_and_a_second_run_changes_nothing(
    engine: Engine, protocol: Protocol
) -> None:
    ids = seed(engine, PATIENT_CHUNK + 3, 2)
    with Session(engine) as session:
        first = replan_patients(session, ids, protocol, NOW)
        session.commit()
    # Per patient: 11 messages for the first infusion (the next one is booked; the rating
    # scales the day before, as the first of its series), 10 for the last (its booster
    # reminder). A week apart, the two are a series: the second's preparation (SMS and
    # email) was the first's discharge line, that line names it (no next-infusion note),
    # and the first's day-7 check-in (SMS and email) falls after the second began.
    assert first.planned == len(ids) * 21
    assert statuses(engine) == {"pending": len(ids) * 16, "skipped": len(ids) * 5}
    with engine.connect() as connection:
        per_patient = set(
            connection.execute(
                core_select(func.count()).select_from(M).group_by(M.c.patient_id)
            ).scalars()
        )
    assert per_patient == {21}  # the last patient, in the last chunk, too
    with engine.connect() as connection:
        # Stored exactly as the column type writes an instant: an equality query finds it.
        reminders = connection.execute(
            core_select(func.count())
            .select_from(M)
            .where(M.c.step == "reminder", M.c.due_at == FIRST - timedelta(hours=2))
        ).scalar_one()
    assert reminders == len(ids)
    with Session(engine) as session:
        again = replan_patients(session, ids, protocol, NOW)
        session.commit()
    assert (again.planned, again.moved, again.cancelled) == (0, 0, 0)


def test_moving_and_cancelling_many_appointments_moves_and_cancels_their_messages(
    engine: Engine, protocol: Protocol
) -> None:
    ids = seed(engine, PATIENT_CHUNK + 3, 2)
    with Session(engine) as session:
        replan_patients(session, ids, protocol, NOW)
        session.commit()
    day = timedelta(days=1)
    with engine.begin() as connection:
        rows = connection.execute(core_select(A.c.id, A.c.start_at, A.c.end_at)).all()
        connection.execute(
            update(A)
            .where(A.c.id == bindparam("b_id"))
            .values(start_at=bindparam("b_start"), end_at=bindparam("b_end")),
            [{"b_id": r.id, "b_start": r.start_at + day, "b_end": r.end_at + day} for r in rows],
        )
    with Session(engine) as session:
        moved = replan_patients(session, ids, protocol, NOW)
        session.commit()
    assert (moved.planned, moved.moved, moved.cancelled) == (0, len(ids) * 21, 0)
    with engine.connect() as connection:
        reminders = set(
            connection.execute(core_select(M.c.due_at).where(M.c.step == "reminder")).scalars()
        )
    assert reminders == {
        FIRST + day - timedelta(hours=2),
        FIRST + timedelta(weeks=1) + day - timedelta(hours=2),
    }
    with engine.begin() as connection:
        connection.execute(update(A).values(status="cancelled"))
    with Session(engine) as session:
        cancelled = replan_patients(session, ids, protocol, NOW)
        session.commit()
    assert cancelled.cancelled == len(ids) * 21
    assert statuses(engine) == {"cancelled": len(ids) * 21}
    with engine.connect() as connection:
        reasons = set(connection.execute(core_select(M.c.status_reason)).scalars())
    assert reasons == {"appointment cancelled"}


def test_unsaved_changes_are_planned_and_messages_the_session_holds_show_the_new_plan(
    engine: Engine, protocol: Protocol
) -> None:
    [pid] = seed(engine, 1, 1)
    with Session(engine) as session:
        replan_patients(session, [pid], protocol, NOW)
        session.commit()
    with Session(engine) as session:
        held = session.exec(
            select(ScheduledMessage).where(
                ScheduledMessage.step == "reminder", ScheduledMessage.channel == "sms"
            )
        ).one()
        assert held.status == MessageStatus.PENDING
        appt = session.exec(select(Appointment)).one()
        appt.status = "cancelled"  # type: ignore[assignment]
        session.add(appt)
        later = FIRST + timedelta(weeks=2)
        session.add(
            Appointment(
                source="bulk.ics",
                source_uid="walk-in",
                patient_id=pid,
                start_at=later,
                end_at=later + timedelta(minutes=90),
                treatment="depression",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        counts = replan_patients(session, [pid], protocol, NOW)
        # The object loaded before the re-plan reads what the re-plan wrote.
        assert (held.status, held.status_reason) == (
            MessageStatus.CANCELLED,
            "appointment cancelled",
        )
        session.commit()
    # Each a single infusion: 11 messages with the rating scales before it and the booster
    # reminder after it.
    assert (counts.planned, counts.cancelled) == (11, 11)
    with Session(engine) as session:
        new = session.exec(
            select(ScheduledMessage)
            .join(Appointment)
            .where(Appointment.source_uid == "walk-in", ScheduledMessage.step == "reminder")
        ).one()
    assert new.status == MessageStatus.PENDING and new.due_at == later - timedelta(hours=2)
