"""Claim due messages with a lease, so each goes to one worker and a crashed worker's return."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Engine, and_, case, or_, select, update

from followup.db.models import MessageStatus, ScheduledMessage

T = ScheduledMessage.__table__  # type: ignore[attr-defined]


class Claimed(NamedTuple):
    id: int
    channel: str
    patient_id: int


def claim_due(
    engine: Engine, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    """Claim up to `limit` due messages for `owner` in one statement, oldest due first.

    Due means pending and past both due_at and not_before, or claimed by a worker whose
    lease ran out. On PostgreSQL the row lock is taken with SKIP LOCKED, so concurrent
    workers take different rows instead of waiting for each other.
    """
    pending = and_(
        T.c.status == MessageStatus.PENDING,
        T.c.due_at <= now,
        or_(T.c.not_before.is_(None), T.c.not_before <= now),
    )
    expired = and_(T.c.status == MessageStatus.CLAIMED, T.c.lease_expires_at < now)
    # One query per kind, each walking the (status, due_at) index in order and stopping at
    # `limit`: an OR of both made the databases collect and sort the whole due backlog on
    # every claim. The first `limit` of the union, by due time, is among these.
    candidates = [
        select(T.c.id, T.c.due_at)
        .where(kind)
        .order_by(T.c.due_at, T.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        for kind in (pending, expired)
    ]
    with engine.begin() as connection:
        # Select, then update, in one transaction: PostgreSQL may run a LIMIT … FOR
        # UPDATE subquery inside an UPDATE more than once and claim more rows than asked.
        # The locked ids are claimed as they are; on SQLite, where nothing is locked, the
        # `due` condition repeated in the UPDATE is the compare-and-set.
        found = sorted(
            (row.due_at, row.id) for query in candidates for row in connection.execute(query)
        )
        ids = [message_id for _due, message_id in found[:limit]]
        if not ids:
            return []
        rows = connection.execute(
            update(T)
            .where(T.c.id.in_(ids), or_(pending, expired))
            .values(
                status=MessageStatus.CLAIMED,
                lease_owner=owner,
                lease_expires_at=now + lease,
                updated_at=now,
            )
            .returning(T.c.id, T.c.channel, T.c.patient_id, T.c.due_at)
        ).all()
    ordered = sorted(rows, key=lambda r: (r.due_at, r.id))
    return [Claimed(row.id, row.channel, row.patient_id) for row in ordered]


def release(engine: Engine, ids: list[int], owner: str, now: datetime) -> int:
    """Give back claims that were never sent (on shutdown, or checked again), untouched.

    They were marked in flight when their batch was prepared; that mark and its attempt
    are undone, so whoever claims them next sends without a provider lookup.
    """
    if not ids:
        return 0
    statement = (
        update(T)
        .where(T.c.id.in_(ids), T.c.status == MessageStatus.CLAIMED, T.c.lease_owner == owner)
        .values(
            status=MessageStatus.PENDING,
            lease_owner=None,
            lease_expires_at=None,
            in_flight_since=None,
            attempts=case((T.c.in_flight_since.is_not(None), T.c.attempts - 1), else_=T.c.attempts),
            updated_at=now,
        )
    )
    with engine.begin() as connection:
        return connection.execute(statement).rowcount
