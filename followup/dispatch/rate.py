"""One rate limit per sender, shared by every worker through a token bucket row.

A provider counts a sender's messages whoever sends them: four workers each keeping to
a long code's 1 message a second send 4 a second, and Twilio queues, then fails (30001),
the excess. So the limit lives in the database, one `sender_bucket` row per sender, and
a worker takes tokens from it with one statement: it asks for as many as it has messages
waiting, gets what the bucket holds, and sends only those now.

`take` is the arithmetic, pure and property-tested; `take_statement` is the same
arithmetic as one INSERT … ON CONFLICT DO UPDATE … RETURNING, which creates the row on
first use and is atomic on both databases (PostgreSQL locks the row for the statement;
SQLite has one writer).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from followup.db.models import SenderBucket
from followup.db.sql import epoch_now, floor_int, greatest, least

B: Table = SenderBucket.__table__  # type: ignore[attr-defined]

# A bucket holds one second of its sender's limit: after a quiet spell a sender may send
# twice its rate for one second, which the provider's queue absorbs, and one take can
# cover a whole batch when the limit is high.
BURST_SECONDS = 1.0
# An empty bucket is asked again after at least this long, so that under a high limit
# the workers do not poll its row hundreds of times a second.
MIN_WAIT = 0.05
# ...and up to this fraction longer, so workers that found it empty together spread out.
JITTER = 0.5


@dataclass(frozen=True, slots=True)
class Bucket:
    """`tokens` whole or partial messages may go, as of `at` (seconds)."""

    tokens: float
    at: float


@dataclass(frozen=True, slots=True)
class Grant:
    """`tokens` messages may go now; with none, ask again in `wait` seconds."""

    tokens: int
    wait: float = 0.0


class Limit(Protocol):
    """One sender's limit, as a worker uses it."""

    def take(self, want: int) -> Grant:
        """Up to `want` tokens now, or how long to wait for the next one."""
        ...


def capacity_for(rate: float) -> float:
    """How many tokens a bucket holds: `BURST_SECONDS` of the limit, at least one message."""
    return max(1.0, rate * BURST_SECONDS)


def take(bucket: Bucket, now: float, want: int, rate: float, capacity: float) -> tuple[int, Bucket]:
    """Refill `bucket` up to `now`, then take up to `want` whole tokens: (taken, bucket after).

    A clock behind the bucket's (another host's, or one set back) adds nothing and does
    not move the bucket back, so no clock can make more than `capacity` go at once.
    """
    level = min(capacity, bucket.tokens + max(0.0, now - bucket.at) * rate)
    taken = min(want, math.floor(level))
    return taken, Bucket(level - taken, max(bucket.at, now))


def take_statement(
    dialect: str, sender: str, want: int, rate: float, capacity: float
) -> ReturningInsert[int, float]:
    """`take` for `sender`'s row, by the database's clock; returns (granted, tokens left).

    A sender seen for the first time starts with a full bucket.
    """
    now = epoch_now()
    # In the DO UPDATE clause the table's columns are the row as stored.
    level = least(B.c.tokens + greatest(now - B.c.refilled_at, 0.0) * rate, capacity)
    granted = least(floor_int(level), want)
    first = min(want, math.floor(capacity))
    insert = postgresql.insert(B) if dialect == "postgresql" else sqlite.insert(B)
    return (
        insert.values(sender=sender, tokens=capacity - first, refilled_at=now, granted=first)
        .on_conflict_do_update(
            index_elements=[B.c.sender],
            set_={
                "tokens": level - granted,
                "refilled_at": greatest(B.c.refilled_at, now),
                "granted": granted,
            },
        )
        .returning(B.c.granted, B.c.tokens)
    )


class SharedLimit:
    """A sender's limit shared through its bucket row: one short transaction per take."""

    def __init__(self, engine: Engine, sender: str, rate: float) -> None:
        self.sender = sender
        self.rate = rate
        self.capacity = capacity_for(rate)
        self._engine = engine

    def take(self, want: int) -> Grant:
        """Up to `want` tokens from the bucket, or how long until it likely holds one."""
        statement = take_statement(
            self._engine.dialect.name, self.sender, want, self.rate, self.capacity
        )
        with self._engine.begin() as connection:
            granted, left = connection.execute(statement).one()
        if granted:
            return Grant(int(granted))
        wait = max(MIN_WAIT, (1.0 - float(left)) / self.rate)
        return Grant(0, wait * (1.0 + JITTER * random.random()))
