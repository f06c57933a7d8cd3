"""Read-only views of the message plan for operators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.db.models import Patient, ScheduledMessage


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    due_at: datetime
    patient: str
    step: str
    channel: str
    status: str
    detail: str  # why it did not go, the error, or the provider's id
    body: str | None


def list_messages(
    engine: Engine, *, status: str | None = None, patient: str | None = None, limit: int = 20
) -> list[MessageRow]:
    """The newest messages by due time, optionally one status or one patient."""
    query = select(ScheduledMessage, Patient.external_id).join(
        Patient, col(ScheduledMessage.patient_id) == Patient.id
    )
    if status:
        query = query.where(ScheduledMessage.status == status)
    if patient:
        query = query.where(Patient.external_id == patient)
    query = query.order_by(
        col(ScheduledMessage.due_at).desc(), col(ScheduledMessage.id).desc()
    ).limit(limit)
    with Session(engine) as session:
        return [
            MessageRow(
                id=m.id or 0,
                due_at=m.due_at,
                patient=external_id,
                step=m.step,
                channel=m.channel,
                status=m.status,
                detail=_detail(m),
                body=m.body,
            )
            for m, external_id in session.exec(query)
        ]


def _detail(m: ScheduledMessage) -> str:
    if m.error_code or m.error_text:
        return f"{m.error_code or ''} {m.error_text or ''}".strip()
    return m.status_reason or m.provider_id or ""
