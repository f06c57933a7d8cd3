"""Seed a migrated database with due SMS the way planning leaves them, in bulk.

One patient per message, each with one booked infusion and one of the SMS steps
`plan_appointment` plans for it (the steps taken in turn), inserted with executemany:
seeding is not what is measured. A backlog of due messages belongs to many patients (one
patient's steps are days apart), so each is due at a random moment of the last hour; the
bodies are rendered from the shipped templates (English and Spanish) at send time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.planning.planner import AppointmentFacts, PatientFacts, plan_appointment
from followup.protocol import Protocol, parse_protocol

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hugo", "Iris", "Jon"]
TZ = "America/Chicago"


def benchmark_protocol() -> Protocol:
    """The shipped protocol without quiet hours, so the time of day of a run does not matter."""
    text = (ROOT / "config" / "protocol.toml").read_text(encoding="utf-8")
    text = text.replace('start = "21:00"\nend = "08:00"', 'start = "00:00"\nend = "00:00"')
    return parse_protocol(text)


def phone(n: int) -> str:
    """A distinct E.164 number per patient, in a fictional-looking range."""
    return f"+1402{5_000_000 + n:07d}"


def seed_due_sms(
    engine: Engine, protocol: Protocol, count: int, now: datetime, seed: int = 6
) -> int:
    """Insert `count` patients, each with an appointment and a pending SMS due in the past hour."""
    rng = random.Random(seed)
    start = now + timedelta(days=2)
    facts = AppointmentFacts(start=start, end=start + timedelta(minutes=90), treatment=None)
    who = PatientFacts(
        timezone=ZoneInfo(TZ),
        has_phone=True,
        has_email=False,
        sms_consent=True,
        email_consent=False,
    )
    steps = [p for p in plan_appointment(facts, who, protocol) if p.channel == "sms"]
    n_patients = count
    patients = [
        {
            "id": n + 1,
            "external_id": f"B{n:07d}",
            "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
            "last_name": "Bench",
            "phone": phone(n),
            "language": "es" if n % 5 == 0 else "en",
            "timezone": TZ,
            "sms_consent": True,
            "email_consent": False,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(n_patients)
    ]
    appointments = [
        {
            "id": n + 1,
            "source": "bench.ics",
            "source_uid": f"bench-{n}",
            "patient_id": n + 1,
            "start_at": start,
            "end_at": start + timedelta(minutes=90),
            "status": "booked",
            "treatment": protocol.default_treatment,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(n_patients)
    ]
    messages = []
    for n in range(count):
        planned = steps[n % len(steps)]
        owner = n + 1
        messages.append(
            {
                "appointment_id": owner,
                "patient_id": owner,
                "step": planned.step,
                "kind": planned.kind,
                "template": planned.template,
                "channel": "sms",
                "due_at": now - timedelta(seconds=rng.uniform(1, 3600)),
                "expires_at": now + timedelta(days=1),
                "quiet_hours_exempt": planned.quiet_hours_exempt,
                "status": MessageStatus.PENDING,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(Patient.__table__), patients)  # type: ignore[attr-defined]
        connection.execute(insert(Appointment.__table__), appointments)  # type: ignore[attr-defined]
        for chunk in range(0, len(messages), 5000):
            connection.execute(
                insert(ScheduledMessage.__table__),  # type: ignore[attr-defined]
                messages[chunk : chunk + 5000],
            )
    return count
