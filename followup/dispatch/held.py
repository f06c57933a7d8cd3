"""Sends the database has not heard of yet, held on local disk until it has.

An email has no lookup (SMTP cannot say whether a message went out before), so each one
the server accepts is written here the moment it is accepted, and forgotten once the
database records it. A worker that loses the database stops sending and keeps its
unrecorded sends here (SMS too), then records them first when the database returns. A
worker killed between the server and the database leaves its file behind: another
worker of this host adopts it, and any worker that takes over the message looks here
before sending it again. What can still go twice is the one email a worker had handed
to the server, but not yet written here, when it was killed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from followup.channels.base import Envelope, Receipt
from followup.core.spool import Spool, spool_files
from followup.dispatch.batch import Attempt, Ready

SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
    message_id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL,
    appointment_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    in_flight_since TEXT NOT NULL,
    due TEXT NOT NULL,
    survey TEXT
);
"""
_COLUMNS = (
    "message_id, patient_id, appointment_id, channel, provider_id, in_flight_since, due, survey"
)


class SentJournal:
    """One worker's held sends; safe to share between its sending threads."""

    def __init__(self, directory: Path, identity: str) -> None:
        self.spool = Spool(directory, "sent", identity, SCHEMA)

    def hold(self, attempts: Iterable[Attempt]) -> None:
        """Write the sends the provider accepted (one commit, one fsync)."""
        rows = [_row(attempt) for attempt in attempts if attempt.receipt is not None]
        if rows:
            with self.spool.transaction() as connection:
                connection.executemany(
                    f"INSERT OR REPLACE INTO sent ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )

    def release(self, message_ids: Sequence[int]) -> None:
        """Forget sends the database has recorded."""
        if message_ids:
            with self.spool.transaction(durable=False) as connection:
                connection.executemany(
                    "DELETE FROM sent WHERE message_id = ?", [(i,) for i in message_ids]
                )

    def held(self) -> list[Attempt]:
        """Every send held here, and those dead workers' files held (adopted first)."""
        for orphan in self.spool.orphans():
            rows = orphan.execute(f"SELECT {_COLUMNS} FROM sent").fetchall()
            if rows:
                with self.spool.transaction() as connection:
                    connection.executemany(
                        f"INSERT OR REPLACE INTO sent ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                with orphan:
                    orphan.execute("DELETE FROM sent")
        with self.spool.transaction() as connection:
            rows = connection.execute(f"SELECT {_COLUMNS} FROM sent ORDER BY message_id").fetchall()
        return [_attempt(row) for row in rows]

    def find(self, message_id: int) -> Receipt | None:
        """The provider's receipt for a message held by any worker of this host, if any."""
        for path in spool_files(self.spool.directory, "sent"):
            try:
                connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                try:
                    meta = connection.execute("SELECT identity FROM spool_meta").fetchone()
                    if meta is None or meta[0] != self.spool.identity:
                        continue  # another database's: its ids are not ours
                    row = connection.execute(
                        "SELECT provider_id FROM sent WHERE message_id = ?", (message_id,)
                    ).fetchone()
                finally:
                    connection.close()
            except sqlite3.Error:
                continue  # being created or removed: not ours to judge
            if row is not None:
                return Receipt(provider_id=str(row[0]))
        return None

    def close(self) -> None:
        """Close this worker's file (deleted when empty)."""
        self.spool.close()


def _row(attempt: Attempt) -> tuple[Any, ...]:
    ready = attempt.ready
    assert attempt.receipt is not None
    return (
        ready.id,
        ready.patient_id,
        ready.appointment_id,
        ready.channel,
        attempt.receipt.provider_id,
        ready.in_flight_since.isoformat(),
        ready.due.isoformat(),
        ready.survey,
    )


def _attempt(row: tuple[Any, ...]) -> Attempt:
    message_id, patient_id, appointment_id, channel, provider_id, since, due, survey = row
    # The text is not kept: recording needs only which message, and what the provider said.
    envelope = Envelope(message_id, channel, "", "")
    ready = Ready(
        id=message_id,
        patient_id=patient_id,
        appointment_id=appointment_id,
        envelope=envelope,
        in_flight_since=datetime.fromisoformat(since),
        due=datetime.fromisoformat(due),
        survey=survey,
    )
    return Attempt(ready, Receipt(provider_id=provider_id))
