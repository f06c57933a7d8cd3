"""Finish what the webhooks could not: replay the journal, sweep stored messages still
`received`, and page on-call about a crisis the database cannot take yet.

The web process runs a `Replayer` thread; the worker runs `sweep_received` as a job. A
message is processed once whoever gets there first (`process` takes only messages still
`received`), so the two never do the same work twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from followup.alerts import PAUSING
from followup.core import clock
from followup.db.models import InboundMessage
from followup.messages.render import Renderer
from followup.ops.outages import OutageGuard
from followup.protocol import Protocol
from followup.replies.alarms import alarm
from followup.replies.handle import RECEIVED, process
from followup.replies.inbox import Inbox
from followup.replies.outcome import Handled, Inbound, Processed, Unrecorded
from followup.replies.triage import triage

log = logging.getLogger(__name__)
# How often the web process looks at its journal while messages wait in it.
REPLAY_SECONDS = 2.0
# A message still `received` this long after it came is the sweeper's: its webhook (or
# the journal's replay, every few seconds) would have finished it by now.
SWEEP_AFTER = timedelta(seconds=60)
# ...counting from when this process last found the database back: after an outage the
# web process's replay, which knows which crises were paged already, goes first.
SWEEP_WAIT_AFTER_OUTAGE = 30.0
SWEEP_BATCH = 64
_INBOUND = InboundMessage.__table__  # type: ignore[attr-defined]


class Replayer:
    """The web process's thread that empties its journal (and dead processes') into the
    database, and pages on-call from memory about crises while the database is down."""

    def __init__(self, inbox: Inbox, guard: OutageGuard | None = None) -> None:
        self.inbox = inbox
        self.guard = guard or OutageGuard()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Replay at once (what a dead process left), then every few seconds."""
        self._thread = threading.Thread(target=self._run, name="inbox-replay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (what waits stays in the journal for the next start)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the thread must live on: next time may work
                log.exception("inbound replay failed")
            self._stop.wait(REPLAY_SECONDS)

    def run_once(self, now: datetime | None = None) -> int:
        """One pass: adopt dead processes' journals, replay what waits, sweep; how many
        messages were stored and processed."""
        inbox = self.inbox
        if inbox.journal is None:
            return 0
        if inbox.journal.adopt_orphans():
            inbox.backlog = True
        done = 0
        if inbox.backlog:
            done += self._replay(now or clock.now())
        if self.guard.up_for() >= SWEEP_WAIT_AFTER_OUTAGE and not self._stop.is_set():
            done += self.guard.wrap(self._sweep, "inbound sweep")(now or clock.now()) or 0
        return done

    def _replay(self, now: datetime) -> int:
        results = self.inbox.catch_up(now)
        away = next((r.error for r in results if isinstance(r, Unrecorded)), None)
        if isinstance(away, DBAPIError):
            self.guard.failed("inbound replay", away)
        elif results:
            self.guard.succeeded()
        if away is not None and self.inbox.journal is not None:
            # Crises and emergencies waiting for the database: on-call hears of them now.
            for inbound in self.inbox.journal.waiting():
                if _pages(inbound):
                    self.inbox.page(inbound)
        self.inbox.deliver(results)
        return sum(isinstance(r, Handled) for r in results)

    def _sweep(self, now: datetime) -> int:
        inbox = self.inbox
        return sweep_received(inbox.engine, inbox.protocol, inbox.renderer, now, inbox.deliver)


def _pages(inbound: Inbound) -> bool:
    """Whether this message pages on-call directly when the database cannot take it."""
    if inbound.paged:
        return False
    raised = alarm(triage(inbound.body))
    return raised is not None and raised.severity in PAUSING


def sweep_received(
    engine: Engine,
    protocol: Protocol,
    renderer: Renderer,
    now: datetime,
    deliver: Callable[[list[Processed]], None] | None = None,
) -> int:
    """Process messages stored but left `received` (their webhook's process died or lost
    the database mid-way) for a while; how many. Their answers are kept, not sent."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                _INBOUND.c.id,
                _INBOUND.c.provider_sid,
                _INBOUND.c.from_number,
                _INBOUND.c.to_number,
                _INBOUND.c.body,
                _INBOUND.c.received_at,
            )
            .where(_INBOUND.c.kind == RECEIVED, _INBOUND.c.received_at < now - SWEEP_AFTER)
            .order_by(_INBOUND.c.received_at, _INBOUND.c.id)
            .limit(SWEEP_BATCH)
        ).all()
    if not rows:
        return 0
    messages = [
        (
            row.id,
            Inbound(row.provider_sid, row.from_number, row.to_number, row.body, row.received_at),
        )
        for row in rows
    ]
    results = process(engine, protocol, renderer, messages, now, live=False)
    handled = [r for r in results if isinstance(r, Handled)]
    if any(isinstance(r, Unrecorded) for r in results):
        error = next(r.error for r in results if isinstance(r, Unrecorded))
        raise error  # the guard says the database is away, once
    if deliver is not None:
        deliver(results)
    log.warning("%d inbound messages left unprocessed were processed by the sweeper", len(handled))
    return len(handled)
