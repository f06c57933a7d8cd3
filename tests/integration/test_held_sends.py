"""An email the server took but the database never heard of is not sent again.

SMTP has no lookup, so what a worker sent and could not record is held on local disk:
recorded by that worker when the database answers again, and found there by any worker
of the host that takes the message over after the lease.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from followup.channels.base import ChannelName, Envelope, Receipt
from followup.channels.outbox import OutboxChannel
from followup.db.models import MessageStatus
from followup.dispatch.batch import Attempt, Outcome
from followup.dispatch.held import SentJournal
from followup.dispatch.send import Dispatcher
from tests.integration.test_dispatch import (
    LEASE,
    PREPARATION_DUE,
    WorkerDied,
    World,
    world,  # noqa: F401 (the fixture)
)

IDENTITY = "test-database"


@dataclass(slots=True)
class CountingEmail:
    """The outbox, counting what it accepted per message."""

    inner: OutboxChannel = field(default_factory=lambda: OutboxChannel("email"))
    name: ChannelName = "email"
    provider: str = "outbox"
    sent: list[int] = field(default_factory=list)

    def send(self, envelope: Envelope) -> Receipt:
        self.sent.append(envelope.message_id)
        return self.inner.send(envelope)


class DyingDispatcher(Dispatcher):
    """A worker that dies after the server took its email, before recording it."""

    def record(self, attempts: Iterable[Attempt], held: bool = False) -> dict[Outcome, int]:  # type: ignore[override]
        raise WorkerDied


class UnrecordingDispatcher(Dispatcher):
    """A worker whose database stops answering when it comes to record."""

    def record(self, attempts: Iterable[Attempt], held: bool = False) -> dict[Outcome, int]:  # type: ignore[override]
        if not held:
            raise OperationalError("UPDATE", {}, Exception("server closed the connection"))
        return super().record(attempts, held=held)  # type: ignore[return-value]


def dispatcher(
    world: World,  # noqa: F811
    owner: str,
    email: CountingEmail,
    spool: Path,
    kind: type[Dispatcher],
) -> Dispatcher:
    """A worker of this host: its own held sends in the shared spool directory."""
    base = world.dispatcher(owner)
    values = {f.name: getattr(base, f.name) for f in fields(base)}
    values.update(held=SentJournal(spool, IDENTITY), channels={"sms": world.sms, "email": email})
    return kind(**values)


def test_an_email_a_dead_worker_sent_is_found_held_and_not_sent_again(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    email = CountingEmail()
    world.clock.at = PREPARATION_DUE
    row = world.row("preparation", "email")
    dying = dispatcher(world, "worker-1", email, tmp_path / "spool", DyingDispatcher)
    runner = world.runner(dying)
    with pytest.raises(WorkerDied):
        runner.run_once()
    assert email.sent == [row.id]

    world.clock.at = PREPARATION_DUE + LEASE + timedelta(seconds=1)
    other = dispatcher(world, "worker-2", email, tmp_path / "spool", Dispatcher)
    outcomes = world.dispatch(other)

    assert outcomes[row.id or 0] == "sent"
    after = world.row("preparation", "email")
    assert after.status == MessageStatus.SENT and after.provider_id is not None
    assert email.sent == [row.id]  # the patient got it once


def test_a_worker_that_cannot_record_holds_its_sends_and_records_them_first_when_it_can(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    email = CountingEmail()
    world.clock.at = PREPARATION_DUE
    cut_off = dispatcher(world, "worker-1", email, tmp_path / "spool", UnrecordingDispatcher)
    runner = world.runner(cut_off)
    with pytest.raises(OperationalError):
        runner.run_once()
    row = world.row("preparation", "email")
    assert email.sent == [row.id] and row.status == MessageStatus.CLAIMED  # in flight
    assert cut_off.held is not None
    assert {a.ready.id for a in cut_off.held.held()} >= {row.id}

    # The database answers again: the held sends are recorded before anything is sent.
    assert runner.record_held() >= 1
    after = world.row("preparation", "email")
    assert after.status == MessageStatus.SENT and after.in_flight_since is None
    assert cut_off.held.held() == []
    world.clock.at = PREPARATION_DUE + LEASE + timedelta(seconds=1)
    world.dispatch(dispatcher(world, "worker-2", email, tmp_path / "spool", Dispatcher))
    assert email.sent == [row.id]


def test_an_email_recorded_after_its_lease_ran_out_is_not_sent_by_the_worker_that_took_over(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A worker too slow to record (a stalled host) while another took its message over:
    what the server took is still recorded as sent, so the other worker finds it settled
    and does not send it again (an email cannot be looked up at the server)."""
    email = CountingEmail()
    world.clock.at = PREPARATION_DUE
    slow = dispatcher(world, "worker-1", email, tmp_path / "spool", Dispatcher)
    assert slow.held is not None
    prepared = slow.prepare(world.claim("worker-1"))
    attempt = slow.attempt(next(r for r in prepared.ready if r.channel == "email"))
    slow.held.hold([attempt])
    row = world.row("preparation", "email")
    assert email.sent == [row.id]

    world.clock.at = PREPARATION_DUE + slow.lease + timedelta(seconds=1)
    assert row.id in world.claim("worker-2")
    assert slow.record([attempt]) == {"sent": 1}
    slow.held.release([row.id])
    other = dispatcher(world, "worker-2", email, tmp_path / "spool", Dispatcher)
    assert other.prepare([row.id]).ready == []

    after = world.row("preparation", "email")
    assert attempt.receipt is not None
    assert after.status == MessageStatus.SENT and after.provider_id == attempt.receipt.provider_id
    assert email.sent == [row.id]  # the patient got it once
