"""What every staff page shows at the top: open crises and emergencies, open alerts, and
how many replies wait for a person (the same numbers as the home page and the inbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, func
from sqlmodel import Session, col, select

from followup.alerts.raising import CRITICAL, EMERGENCY
from followup.db.models import Alert, InboundMessage, Patient
from followup.staff.scope import visible_or_all

CRISES = (EMERGENCY, CRITICAL)


def waiting() -> tuple[Any, ...]:
    """WHERE for the queue: replies a person must read that nobody has handled yet."""
    return col(InboundMessage.needs_attention), col(InboundMessage.handled_at).is_(None)


@dataclass(frozen=True, slots=True)
class Watch:
    """The counts and the newest open crisis, for the banner, the navigation and the title."""

    crises: int  # open emergency and critical alerts
    emergencies: int
    open_alerts: int
    waiting: int  # replies in the inbox's queue
    newest_id: int | None = None
    newest_name: str = ""
    newest_at: datetime | None = None

    def banner(self, now: datetime) -> str:
        """ "1 crisis open — Ana R., 3 min ago" (emergencies named first); "" when none."""
        if not self.crises:
            return ""
        parts = []
        if self.emergencies:
            parts.append(_plural(self.emergencies, "emergency", "emergencies"))
        if self.crises - self.emergencies:
            parts.append(_plural(self.crises - self.emergencies, "crisis", "crises"))
        newest = "" if self.crises == 1 else "newest: "
        when = ago(self.newest_at, now) if self.newest_at else ""
        return f"{', '.join(parts)} open \u2014 {newest}{self.newest_name}, {when}"

    @property
    def href(self) -> str:
        return f"/staff/alerts/{self.newest_id}" if self.newest_id else "/staff/alerts"

    def as_json(self, now: datetime) -> dict[str, object]:
        """What the pages' poll (`/static/watch.js`) shows."""
        return {
            "crises": self.crises,
            "open": self.open_alerts,
            "waiting": self.waiting,
            "banner": self.banner(now),
            "href": self.href,
        }


def watch(
    engine: Engine,
    alerts_visible: ColumnElement[bool] | None = None,
    messages_visible: ColumnElement[bool] | None = None,
) -> Watch:
    """Three small counting queries and the newest open crisis, of the alerts and replies
    a staff member's locations let them see (expressions over Alert, Patient and
    InboundMessage)."""
    alerts = (
        select(Alert.severity, func.count())
        .join(Patient, col(Alert.patient_id) == Patient.id, isouter=True)
        .join(InboundMessage, col(Alert.inbound_message_id) == InboundMessage.id, isouter=True)
        .where(col(Alert.acknowledged_at).is_(None), visible_or_all(alerts_visible))
        .group_by(col(Alert.severity))
    )
    with Session(engine) as session:
        by_severity = dict(session.exec(alerts).all())
        queued = session.exec(
            select(func.count())
            .select_from(InboundMessage)
            .join(Patient, col(InboundMessage.patient_id) == Patient.id, isouter=True)
            .where(*waiting(), visible_or_all(messages_visible))
        ).one()
        newest = session.exec(
            select(Alert, Patient)
            .join(Patient, col(Alert.patient_id) == Patient.id, isouter=True)
            .join(InboundMessage, col(Alert.inbound_message_id) == InboundMessage.id, isouter=True)
            .where(
                col(Alert.acknowledged_at).is_(None),
                col(Alert.severity).in_(CRISES),
                visible_or_all(alerts_visible),
            )
            .order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
            .limit(1)
        ).first()
    crises = sum(by_severity.get(s, 0) for s in CRISES)
    if newest is None:
        return Watch(crises, by_severity.get(EMERGENCY, 0), sum(by_severity.values()), queued)
    alert, patient = newest
    name = f"{patient.first_name} {patient.last_name[:1]}.".strip() if patient else "unknown sender"
    return Watch(
        crises,
        by_severity.get(EMERGENCY, 0),
        sum(by_severity.values()),
        queued,
        alert.id,
        name,
        alert.created_at,
    )


def ago(moment: datetime, now: datetime) -> str:
    """ "just now", "3 min ago", "2 h ago", "3 days ago"."""
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} days ago"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
