"""The inbound journal: every webhook's message on local disk before it is answered.

A message stays in the journal until the database has it stored *and* processed (its
triage, staff flag and any alert committed). With the database down, the webhook still
answers and the message waits here; the replay thread (`followup.replies.replay`) takes
it to the database when it returns. A journal left by a process that died is adopted by
the next process of the same database that looks (`Spool.orphans`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from followup.core.spool import Spool
from followup.replies.outcome import Inbound

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbound (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    paged TEXT
);
"""
_COLUMNS = "sid, from_number, to_number, body, received_at, paged"


class InboundJournal:
    """One process's inbound journal; safe to share between its threads."""

    def __init__(self, directory: Path, identity: str) -> None:
        self.spool = Spool(directory, "inbound", identity, SCHEMA)

    def append(self, inbounds: Sequence[Inbound]) -> None:
        """Write a batch (one commit, one fsync); a MessageSid already here is kept as it was."""
        with self.spool.transaction() as connection:
            connection.executemany(
                f"INSERT OR IGNORE INTO inbound ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)",
                [_row(inbound) for inbound in inbounds],
            )

    def done(self, sids: Iterable[str]) -> None:
        """Forget messages the database has stored and processed."""
        with self.spool.transaction(durable=False) as connection:
            connection.executemany("DELETE FROM inbound WHERE sid = ?", [(sid,) for sid in sids])

    def mark_paged(self, sid: str, channels: Sequence[str]) -> None:
        """Record that on-call was paged about this message, by these channels, without the
        database: the alert raised for it later must not page them again."""
        with self.spool.transaction() as connection:
            connection.execute(
                "UPDATE inbound SET paged = ? WHERE sid = ?", (",".join(channels), sid)
            )

    def waiting(self, limit: int = 500) -> list[Inbound]:
        """What this process holds, oldest first (arrival order)."""
        with self.spool.transaction() as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM inbound ORDER BY received_at, seq LIMIT ?", (limit,)
            ).fetchall()
        return [_inbound(row) for row in rows]

    def adopt_orphans(self) -> int:
        """Move what dead processes' journals hold into this one (durably, then theirs is
        deleted); how many messages came over."""
        moved = 0
        for orphan in self.spool.orphans():
            rows = orphan.execute(f"SELECT {_COLUMNS} FROM inbound ORDER BY seq").fetchall()
            if rows:
                with self.spool.transaction() as connection:
                    connection.executemany(
                        f"INSERT OR IGNORE INTO inbound ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                with orphan:
                    orphan.execute("DELETE FROM inbound")
                moved += len(rows)
        return moved

    def close(self) -> None:
        """Close this process's journal (deleted when empty)."""
        self.spool.close()


def _row(inbound: Inbound) -> tuple[str, str, str, str, str]:
    received = inbound.received_at or datetime.now(UTC)
    return (
        inbound.sid,
        inbound.from_number,
        inbound.to_number,
        inbound.body,
        received.astimezone(UTC).isoformat(),
    )


def _inbound(row: tuple[str, str, str, str, str, str | None]) -> Inbound:
    sid, from_number, to_number, body, received_at, paged = row
    return Inbound(
        sid,
        from_number,
        to_number,
        body,
        received_at=datetime.fromisoformat(received_at),
        paged=tuple(paged.split(",")) if paged else (),
    )
