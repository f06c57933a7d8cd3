"""Spool files: one per live process, adopted only from dead ones, never across databases."""

from __future__ import annotations

import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from followup.channels.base import Envelope, Receipt
from followup.core.spool import database_identity, default_spool_dir
from followup.dispatch.batch import Attempt, Ready
from followup.dispatch.held import SentJournal
from followup.replies.journal import InboundJournal
from followup.replies.outcome import Inbound

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
ONE = database_identity("postgresql+psycopg://followup:secret@db.internal:5432/lakeside")
OTHER = database_identity("postgresql+psycopg://followup:secret@db.internal:5432/riverside")


def message(n: int, at: datetime = NOW) -> Inbound:
    return Inbound(f"SM{n:03d}", "+14025550134", "+14025550100", f"reply {n}", received_at=at)


def test_a_database_is_named_alike_by_every_process_whatever_its_password() -> None:
    assert database_identity("postgresql+psycopg://a:one@h/db") == database_identity(
        "postgresql+psycopg://a:two@h/db"
    )
    assert ONE != OTHER
    assert default_spool_dir("sqlite:///followup.db").name == database_identity(
        "sqlite:///followup.db"
    )


def test_the_journal_keeps_arrival_order_and_one_copy_of_a_retry(tmp_path: Path) -> None:
    journal = InboundJournal(tmp_path, ONE)
    journal.append([message(2, NOW + timedelta(seconds=1)), message(1)])
    journal.append([message(1)])  # Twilio's retry
    assert [m.sid for m in journal.waiting()] == ["SM001", "SM002"]
    journal.mark_paged("SM002", ["sms", "email"])
    assert journal.waiting()[1].paged == ("sms", "email")
    journal.done(["SM001"])
    assert [m.sid for m in journal.waiting()] == ["SM002"]
    assert journal.spool.path is not None
    assert stat.S_IMODE(os.stat(journal.spool.path).st_mode) == 0o600  # patients' words
    journal.close()


def _write_and_die(directory: str, identity: str) -> None:
    journal = InboundJournal(Path(directory), identity)
    journal.append([message(7)])
    os._exit(0)  # no close: as a SIGKILL leaves it


def test_a_dead_processs_journal_is_adopted_and_a_live_ones_is_not(tmp_path: Path) -> None:
    live = InboundJournal(tmp_path, ONE)
    live.append([message(1)])
    dead = multiprocessing.get_context("fork").Process(
        target=_write_and_die, args=(str(tmp_path), ONE)
    )
    dead.start()
    dead.join()
    adopter = InboundJournal(tmp_path, ONE)

    assert adopter.adopt_orphans() == 1  # the dead one's, not the live one's
    assert [m.sid for m in adopter.waiting()] == ["SM007"]
    assert [m.sid for m in live.waiting()] == ["SM001"]
    assert len(list(tmp_path.glob("inbound-*.sqlite"))) == 2  # the orphan's file is gone
    live.close()
    adopter.close()


def test_another_databases_journal_is_never_adopted(tmp_path: Path) -> None:
    dead = multiprocessing.get_context("fork").Process(
        target=_write_and_die, args=(str(tmp_path), OTHER)
    )
    dead.start()
    dead.join()
    mine = InboundJournal(tmp_path, ONE)
    assert mine.adopt_orphans() == 0
    assert mine.waiting() == []
    theirs = [p for p in tmp_path.glob("inbound-*.sqlite") if p != mine.spool.path]
    assert len(theirs) == 1  # left, whole, for its own clinic's processes
    mine.close()


def held(message_id: int) -> Attempt:
    envelope = Envelope(message_id, "email", "pat@example.org", "text")
    ready = Ready(message_id, 3, 4, envelope, NOW, NOW, None)
    return Attempt(ready, Receipt(f"<followup.message.{message_id}.x@clinic.example>"))


def test_a_held_send_is_found_by_any_worker_of_the_database_until_released(
    tmp_path: Path,
) -> None:
    worker, other, elsewhere = (
        SentJournal(tmp_path, ONE),
        SentJournal(tmp_path, ONE),
        SentJournal(tmp_path, OTHER),
    )
    worker.hold([held(5), held(6)])

    receipt = other.find(5)
    assert receipt is not None and receipt.provider_id.startswith("<followup.message.5.")
    assert elsewhere.find(5) is None  # another database's message 5 is another message
    [again, _] = worker.held()
    assert (again.ready.id, again.ready.in_flight_since, again.receipt) == (
        5,
        NOW,
        held(5).receipt,
    )
    worker.release([5, 6])
    assert other.find(5) is None and worker.held() == []
    for journal in (worker, other, elsewhere):
        journal.close()
    assert list(tmp_path.glob("sent-*.sqlite")) == []  # empty files are removed on close
