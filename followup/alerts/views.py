"""Alerts as staff see them (open first, most severe on top), and acknowledging one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, update
from sqlmodel import Session, col, select

from followup.alerts.items import alerts_of, settle
from followup.alerts.raising import SEVERITIES, AlertNotFound
from followup.db.models import Alert, InboundMessage, Patient
from followup.staff.scope import visible_or_all


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert with what staff need to act on it."""

    id: int
    severity: str
    reason: str
    created_at: datetime
    patient_id: str | None
    patient_name: str
    patient_phone: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    escalation_level: int
    reply_error: str | None
    acknowledged_via: str | None = None


def list_alerts(
    engine: Engine,
    include_acknowledged: bool = False,
    visible: ColumnElement[bool] | None = None,
) -> list[AlertView]:
    """Open alerts first, the most urgent severity on top, newest first within each; of
    those `visible` (an expression over Alert, Patient and InboundMessage) lets staff see."""
    query = (
        select(Alert, Patient)
        .join(Patient, col(Alert.patient_id) == Patient.id, isouter=True)
        .join(InboundMessage, col(Alert.inbound_message_id) == InboundMessage.id, isouter=True)
        .where(visible_or_all(visible))
    )
    if not include_acknowledged:
        query = query.where(col(Alert.acknowledged_at).is_(None))
    with Session(engine) as session:
        rows = session.exec(query).all()
    views = [view_of(alert, patient) for alert, patient in rows]
    views.sort(
        key=lambda v: (
            v.acknowledged_at is not None,
            severity_rank(v.severity),
            -v.created_at.timestamp(),
        )
    )
    return views


def severity_rank(severity: str) -> int:
    """0 for the most urgent severity; unknown ones sort last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def view_of(alert: Alert, patient: Patient | None) -> AlertView:
    if patient is not None:
        name = f"{patient.first_name} {patient.last_name[:1]}.".strip()
    else:  # a message from a number on no file, or the clinic's own sending
        name = "unknown sender" if alert.inbound_message_id else "no patient"
    return AlertView(
        id=alert.id or 0,
        severity=alert.severity,
        reason=alert.reason,
        created_at=alert.created_at,
        patient_id=patient.external_id if patient else None,
        patient_name=name,
        patient_phone=patient.phone if patient else None,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
        escalation_level=alert.escalation_level,
        reply_error=alert.reply_error,
        acknowledged_via=alert.acknowledged_via,
    )


def acknowledge(
    engine: Engine,
    alert_id: int,
    by: str,
    note: str | None,
    now: datetime,
    *,
    via: str = "cli",
    action: str = "alert.acknowledged",
) -> AlertView:
    """Record who took the alert, with the reply that raised it and that reply's other
    alerts (one item, one state), audited in the same transaction; the last open pausing
    alert of a patient lifts their pause. Taking a taken alert changes nothing."""
    with Session(engine) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise AlertNotFound(f"no alert has id {alert_id}")
        if alert.acknowledged_at is None and acknowledge_in(
            session, alert, by, note, now, via, action
        ):
            session.commit()
        patient = session.get(Patient, alert.patient_id) if alert.patient_id else None
        return view_of(alert, patient)


def acknowledge_in(
    session: Session,
    alert: Alert,
    by: str,
    note: str | None,
    now: datetime,
    via: str,
    action: str = "alert.acknowledged",
) -> bool:
    """`acknowledge` in the caller's transaction (a keypress settles its call in the same
    one); False, changing nothing, when someone else took it first. No commit."""
    # Claimed with a conditional update: it waits for a concurrent taker's commit (the row
    # lock on PostgreSQL, the one writer on SQLite), then finds the alert taken.
    table = Alert.__table__  # type: ignore[attr-defined]
    claimed = (
        session.connection()
        .execute(
            update(table)
            .where(table.c.id == alert.id, table.c.acknowledged_at.is_(None))
            .values(acknowledged_via=via)
        )
        .rowcount
    )
    session.refresh(alert)
    if claimed != 1:
        return False
    message_id = alert.inbound_message_id
    message = session.get(InboundMessage, message_id) if message_id else None
    siblings = [a for a in alerts_of(session, message_id) if a.id != alert.id] if message_id else []
    settle(session, message, [alert, *siblings], by, note, now, via, action)
    return True
