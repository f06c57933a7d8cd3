"""Claims and leases on a real database: each due message goes to one worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.dispatch.claim import claim_due, release

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=1)
LEASE = timedelta(minutes=5)


def seed(engine: Engine, count: int, due: datetime = T0, **fields: object) -> list[int]:
    with Session(engine) as session:
        patient = Patient(external_id="P1", created_at=T0, updated_at=T0)
        session.add(patient)
        session.flush()
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
        rows = [
            ScheduledMessage(
                appointment_id=appt.id or 0,
                patient_id=patient.id or 0,
                step=f"s{i}",
                kind="checkin",
                template="checkin",
                channel="sms",
                due_at=due + timedelta(seconds=i),
                created_at=T0,
                updated_at=T0,
                **fields,
            )  # type: ignore[arg-type]
            for i in range(count)
        ]
        session.add_all(rows)
        session.commit()
        return [r.id or 0 for r in rows]


def statuses(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {m.id or 0: m.status for m in session.exec(select(ScheduledMessage))}


def test_two_workers_never_claim_the_same_message(engine: Engine) -> None:
    ids = seed(engine, 10)
    first = claim_due(engine, "a", T0 + timedelta(minutes=1), LEASE, 6)
    second = claim_due(engine, "b", T0 + timedelta(minutes=1), LEASE, 6)
    assert [i for i, *_ in first] == ids[:6]  # oldest due first
    assert [i for i, *_ in second] == ids[6:]
    assert claim_due(engine, "c", T0 + timedelta(minutes=1), LEASE, 6) == []


def test_messages_not_yet_due_or_waiting_for_a_retry_are_not_claimed(engine: Engine) -> None:
    seed(engine, 2, due=T0 + timedelta(hours=1))
    assert claim_due(engine, "a", T0, LEASE, 10) == []
    engine_ids = seed_retry(engine)
    assert claim_due(engine, "a", T0 + timedelta(minutes=1), LEASE, 10) == []
    assert [
        i for i, *_ in claim_due(engine, "a", T0 + timedelta(minutes=11), LEASE, 10)
    ] == engine_ids


def seed_retry(engine: Engine) -> list[int]:
    with Session(engine) as session:
        appt = session.exec(select(Appointment)).one()
        row = ScheduledMessage(
            appointment_id=appt.id or 0,
            patient_id=appt.patient_id,
            step="retry",
            kind="checkin",
            template="checkin",
            channel="sms",
            due_at=T0 - timedelta(hours=1),
            not_before=T0 + timedelta(minutes=10),
            created_at=T0,
            updated_at=T0,
        )
        session.add(row)
        session.commit()
        return [row.id or 0]


def test_a_crashed_workers_claims_return_after_the_lease(engine: Engine) -> None:
    ids = seed(engine, 3)
    assert len(claim_due(engine, "crashed", LATER, LEASE, 10)) == 3
    assert claim_due(engine, "b", LATER + LEASE - timedelta(seconds=1), LEASE, 10) == []
    retaken = claim_due(engine, "b", LATER + LEASE + timedelta(seconds=1), LEASE, 10)
    assert [i for i, *_ in retaken] == ids


def test_release_gives_claims_back_for_immediate_sending(engine: Engine) -> None:
    ids = seed(engine, 3)
    claim_due(engine, "a", LATER, LEASE, 10)
    assert release(engine, ids[:2], "a", LATER) == 2
    assert release(engine, ids[2:], "someone-else", LATER) == 0  # only the owner's claims
    assert statuses(engine) == {
        ids[0]: MessageStatus.PENDING,
        ids[1]: MessageStatus.PENDING,
        ids[2]: MessageStatus.CLAIMED,
    }
    assert [i for i, *_ in claim_due(engine, "b", LATER, LEASE, 10)] == ids[:2]
