"""A reply and the alerts it raised are one item with one state.

Acknowledging an alert (staff page, API, CLI) marks the reply that raised it handled, and
"Mark handled" on a reply acknowledges its open alerts: same person, time and note, in
the caller's transaction, each change audited. So an inbox row never waits for an alert
already taken, and an alert never keeps paging for a reply someone dealt with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from followup.alerts.raising import PAUSING
from followup.db.models import Alert, InboundMessage, Patient
from followup.staff.audit import audit


def settle(
    session: Session,
    message: InboundMessage | None,
    alerts: Sequence[Alert],
    by: str,
    note: str | None,
    now: datetime,
    via: str,
    action: str = "alert.acknowledged",
) -> None:
    """Mark `message` handled and acknowledge `alerts` (those still open), audited; then
    lift the pause of a patient whose last open pausing alert this was. No commit."""
    if message is not None and message.handled_at is None:
        message.handled_at, message.handled_by, message.handled_note = now, by, note
        session.add(message)
        audit(
            session,
            by,
            "inbox.handled",
            "inbound_message",
            message.id,
            {"handled_at": None, "handled_by": None},
            {"handled_at": now, "handled_by": by, "note": note, "via": via},
            now,
        )
    patients: set[int] = set()
    for alert in alerts:
        if alert.acknowledged_at is not None:
            continue
        alert.acknowledged_at, alert.acknowledged_by, alert.acknowledgement_note = now, by, note
        alert.acknowledged_via = via
        alert.next_escalation_at = None
        session.add(alert)
        audit(
            session,
            by,
            action,
            "alert",
            alert.id,
            {"acknowledged_at": None},
            {"acknowledged_at": now, "acknowledged_by": by, "note": note, "via": via},
            now,
        )
        if alert.patient_id is not None:
            patients.add(alert.patient_id)
    session.flush()
    for patient_id in sorted(patients):
        patient = session.get(Patient, patient_id)
        if patient is not None and patient.paused_at is not None:
            if not open_pausing(session, patient_id):
                patient.paused_at = None
                patient.updated_at = now
                session.add(patient)


def alerts_of(session: Session, message_id: int) -> list[Alert]:
    """Every alert the message raised, oldest first."""
    return list(
        session.exec(
            select(Alert).where(Alert.inbound_message_id == message_id).order_by(col(Alert.id))
        )
    )


def open_pausing(session: Session, patient_id: int) -> bool:
    """Whether the patient still has an open alert that pauses their messages."""
    return (
        session.exec(
            select(Alert.id).where(
                Alert.patient_id == patient_id,
                col(Alert.severity).in_(sorted(PAUSING)),
                col(Alert.acknowledged_at).is_(None),
            )
        ).first()
        is not None
    )
