"""What a preview renders with: the sample patient, or a real upcoming appointment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.core import clock
from followup.core.errors import RenderError
from followup.db.models import Appointment, Patient
from followup.messages.check import REPLY_FIRST_NAMES
from followup.messages.context import message_context, reply_context, sample_context
from followup.messages.revisions import PartKey
from followup.planning.scheduling import ACTIVE, next_start, patient_facts
from followup.protocol import Protocol
from followup.web.template_editor.parts import channel_of, is_reply, local, protocol_templates

# How many upcoming appointments the context chooser offers.
UPCOMING_LIMIT = 50


def preview_context(
    engine: Engine, protocol: Protocol, key: PartKey, choice: str, step_key: str
) -> dict[str, Any]:
    """The variables for a preview: the sample patient, or a real upcoming appointment.

    A reply's are the reply context: the sample patient's name, or none for an unknown
    sender.
    """
    if is_reply(key):
        if choice in ("sample", "sample-no-next"):
            return reply_context(protocol, key.language, REPLY_FIRST_NAMES[0])
        if choice == "unknown-sender":
            return reply_context(protocol, key.language, "")
        raise RenderError(f"unknown preview context {choice!r} for a reply")
    steps = protocol_templates(protocol)[key.template][channel_of(key.part)]
    step = next((s for s in steps if s.key == step_key), steps[0])
    if choice in ("sample", "sample-no-next"):
        return sample_context(protocol, key.language, step, next_appointment=choice == "sample")
    appointment_id = choice.removeprefix("appointment:")
    if not appointment_id.isdigit():
        raise RenderError(f"unknown preview context {choice!r}")
    with Session(engine) as session:
        appt = session.get(Appointment, int(appointment_id))
        patient = session.get(Patient, appt.patient_id) if appt else None
        if appt is None or patient is None:
            raise RenderError(f"appointment {appointment_id} no longer exists")
        # The treatment decides which steps an appointment gets (pain adds day 14).
        sent = [s for s in protocol.steps_for(appt.treatment) if s.template == key.template]
        if not sent:
            raise RenderError(
                f"appointment {appointment_id}'s treatment does not send {key.template}"
            )
        step = next((s for s in sent if s.key == step.key), sent[0])
        # Rendered in the language being edited, so the dates read as this text shows them.
        return message_context(
            first_name=patient.first_name,
            language=key.language,
            tz=patient_facts(patient, protocol).timezone,
            appointment_start=appt.start_at,
            next_start=next_start(session, appt),
            step=step,
            treatment=appt.treatment,
            protocol=protocol,
            location=appt.location,
            series_number=appt.series_number,
            series_size=appt.series_size,
        )


def upcoming(engine: Engine, protocol: Protocol) -> list[dict[str, str]]:
    """Upcoming appointments for the context chooser, soonest first."""
    with Session(engine) as session:
        rows = session.exec(
            select(Appointment, Patient)
            .join(Patient, col(Patient.id) == col(Appointment.patient_id))
            .where(
                col(Appointment.start_at) >= clock.now(),
                col(Appointment.status).in_(ACTIVE),
            )
            .order_by(col(Appointment.start_at))
            .limit(UPCOMING_LIMIT)
        ).all()
    return [
        {
            "value": f"appointment:{appt.id}",
            "label": (
                f"{local(appt.start_at, protocol)} · {patient.first_name} "
                f"{patient.last_name[:1]}. · {appt.treatment} · {patient.language}"
            ),
        }
        for appt, patient in rows
    ]
