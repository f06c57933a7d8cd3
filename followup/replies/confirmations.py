"""YES and CALL: which infusion they confirm or ask a call about, stored once a batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, or_, update
from sqlmodel import Session, select

from followup.db.models import Appointment, Patient
from followup.planning.scheduling import ACTIVE

# YES and CALL refer to the next infusion when it is this close.
CONFIRMATION_HORIZON = timedelta(days=7)
APPOINTMENT = Appointment.__table__  # type: ignore[attr-defined]
# The infusions YES and CALL may refer to, for every sender of a batch: the first per
# patient is theirs. `or_`, not `in_`: a constant IN list is re-rendered at every execution.
NEXT_INFUSIONS = (
    select(APPOINTMENT.c.patient_id, APPOINTMENT.c.id, APPOINTMENT.c.start_at)
    .where(
        APPOINTMENT.c.patient_id.in_(bindparam("patient_ids", expanding=True)),
        or_(*(APPOINTMENT.c.status == status for status in sorted(ACTIVE))),
        APPOINTMENT.c.start_at > bindparam("now"),
        APPOINTMENT.c.start_at <= bindparam("horizon"),
    )
    .order_by(APPOINTMENT.c.patient_id, APPOINTMENT.c.start_at, APPOINTMENT.c.id)
)
CONFIRM = (
    update(APPOINTMENT)
    .where(APPOINTMENT.c.id == bindparam("appointment_id"))
    .values(
        confirmation=bindparam("what"),
        confirmation_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
)


class Confirmations:
    """YES and CALL within one batch: the next infusions are read in one query, when the
    first is met, and the confirmations stored in one statement with the batch's outcomes."""

    def __init__(self, session: Session, patient_ids: Sequence[int], now: datetime) -> None:
        self.session, self.patient_ids, self.now = session, patient_ids, now
        self._next: dict[int, tuple[int, datetime]] | None = None
        self._stored: list[dict[str, Any]] = []

    def confirm(self, patient: Patient, what: str) -> str | None:
        """Mark the patient's next infusion; its time, or None when there is none within reach."""
        if self._next is None:
            self._next = {}
            found = self.session.connection().execute(
                NEXT_INFUSIONS,
                {
                    "patient_ids": sorted(set(self.patient_ids)),
                    "now": self.now,
                    "horizon": self.now + CONFIRMATION_HORIZON,
                },
            )
            for patient_id, appointment_id, start_at in found:
                self._next.setdefault(patient_id, (appointment_id, start_at))
        if patient.id not in self._next:
            return None
        appointment_id, start_at = self._next[patient.id]
        self._stored.append({"appointment_id": appointment_id, "what": what, "now": self.now})
        return f"infusion {start_at:%Y-%m-%d %H:%M}Z"

    def store(self, connection: Connection) -> None:
        """Write the batch's confirmations, in the order they came (a later one wins)."""
        if self._stored:
            connection.execute(CONFIRM, self._stored)
