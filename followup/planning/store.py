"""Writing a re-plan in bulk: one executemany INSERT, one executemany UPDATE, and one
UPDATE … WHERE id IN (…) per cancel reason, for a chunk of patients at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, bindparam, column, insert, table, update
from sqlmodel import Session

from followup.db.models import Appointment, MessageStatus, ScheduledMessage
from followup.planning.planner import PlannedMessage, target_state

# Ids in one IN (…) list: far below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
IN_CHUNK = 1000

A = Appointment.__table__  # type: ignore[attr-defined]
M = ScheduledMessage.__table__  # type: ignore[attr-defined]
T = TypeVar("T")

# What a re-plan may overwrite, so a row a worker claimed (or a person cancelled) after
# it was read is left alone: a compare-and-set on the status and reason it was read with.
_UPDATE = (
    update(M)
    .where(
        M.c.id == bindparam("b_id"),
        M.c.status == bindparam("b_was_status"),
        M.c.status_reason.is_not_distinct_from(
            bindparam("b_was_reason", type_=M.c.status_reason.type)
        ),
    )
    .values(
        status=bindparam("b_status"),
        status_reason=bindparam("b_reason"),
        patient_id=bindparam("b_patient_id"),
        kind=bindparam("b_kind"),
        template=bindparam("b_template"),
        due_at=bindparam("b_due_at"),
        expires_at=bindparam("b_expires_at"),
        not_before=None,  # a new plan starts its own clock; old retries no longer apply
        quiet_hours_exempt=bindparam("b_quiet_hours_exempt"),
        updated_at=bindparam("b_now"),
    )
)
# The datetime columns a new row carries, and the table seen without column types: rows
# reach it with their instants already in the database's form (see `insert_rows`).
_INSTANTS = ("due_at", "expires_at", "created_at", "updated_at")
_UNTYPED = table(
    M.name,
    *(
        column(name)
        for name in (
            "appointment_id",
            "patient_id",
            "step",
            "kind",
            "template",
            "channel",
            "quiet_hours_exempt",
            "status",
            "status_reason",
            "attempts",
            *_INSTANTS,
        )
    ),
)
# The planner only cancels rows still waiting; one a worker claimed since stays claimed.
_CANCELLABLE = (MessageStatus.PENDING, MessageStatus.SKIPPED)
# An appointment's place in its series, written when a re-plan finds it changed.
_SERIES = (
    update(A)
    .where(A.c.id == bindparam("b_id"))
    .values(
        series_number=bindparam("b_number"),
        series_size=bindparam("b_size"),
        series_started_at=bindparam("b_started", type_=A.c.series_started_at.type),
    )
)


@dataclass(slots=True)
class Writes:
    """Planned changes waiting to be written in bulk."""

    now: datetime
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    cancels: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def __len__(self) -> int:
        return (
            len(self.inserts)
            + len(self.updates)
            + len(self.series)
            + sum(map(len, self.cancels.values()))
        )

    def write(self, session: Session) -> None:
        """One executemany INSERT, one executemany UPDATE, chunked UPDATEs per cancel reason."""
        if self.inserts:
            insert_rows(session, self.inserts)
        if self.updates:
            session.execute(_UPDATE, self.updates)
        if self.series:
            session.execute(_SERIES, self.series)
        for reason, row_ids in self.cancels.items():
            for chunk in chunks(row_ids, IN_CHUNK):
                session.execute(
                    update(M)
                    .where(M.c.id.in_(chunk), M.c.status.in_(_CANCELLABLE))
                    .values(
                        status=MessageStatus.CANCELLED, status_reason=reason, updated_at=self.now
                    )
                )
        self.inserts, self.updates, self.series = [], [], []
        self.cancels.clear()


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """One executemany INSERT, each distinct instant converted to the database's form once.

    Through the typed table, every datetime of every row goes through UTCDateTime (check
    it is aware, move it to UTC, format it for SQLite): most of a bulk insert's cost. The
    same instants recur (created_at, the check-in hour shared by a day's patients), so
    rows are written through an untyped view of the table after the column type's own
    processor has converted each distinct instant once.
    """
    dialect = session.get_bind().dialect
    # dialect_impl: the type as this database sees it (SQLite's DATETIME formats strings).
    to_db = {
        name: M.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _INSTANTS
    }
    converted: dict[tuple[str, datetime], Any] = {}
    for row in rows:
        for name in _INSTANTS:
            key = (name, row[name])
            if key not in converted:
                process = to_db[name]
                converted[key] = process(row[name]) if process else row[name]
            row[name] = converted[key]
    session.execute(insert(_UNTYPED), rows)


def _status(planned: PlannedMessage, now: datetime) -> tuple[MessageStatus, str | None]:
    status, reason = target_state(planned, now)
    return MessageStatus(status), reason


def new_row(appt: Row[Any], planned: PlannedMessage, now: datetime) -> dict[str, Any]:
    status, reason = _status(planned, now)
    return {
        "appointment_id": appt.id,
        "patient_id": appt.patient_id,
        "step": planned.step,
        "kind": planned.kind,
        "template": planned.template,
        "channel": planned.channel,
        "due_at": planned.due_at,
        "expires_at": planned.expires_at,
        "quiet_hours_exempt": planned.quiet_hours_exempt,
        "status": status.value,  # a plain str: the untyped insert passes it as it is
        "status_reason": reason,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def changed_row(
    row: Row[Any], appt: Row[Any], planned: PlannedMessage, now: datetime
) -> dict[str, Any]:
    status, reason = _status(planned, now)
    return {
        "b_id": row.id,
        "b_was_status": row.status,
        "b_was_reason": row.status_reason,
        "b_status": status,
        "b_reason": reason,
        "b_patient_id": appt.patient_id,
        "b_kind": planned.kind,
        "b_template": planned.template,
        "b_due_at": planned.due_at,
        "b_expires_at": planned.expires_at,
        "b_quiet_hours_exempt": planned.quiet_hours_exempt,
        "b_now": now,
    }


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
