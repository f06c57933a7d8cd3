"""Inbound SMS handed from the web's event loop to threads that handle them in batches.

A message handled on its own costs a thread hop, two commits and a wake-up of the event
loop. Under a burst, the messages waiting when a thread comes free are stored together
(one commit: each is safe on disk before anything reads it) and processed together (one
more commit), so those costs are shared; that halved the CPU a webhook takes. A quiet
clinic sees no difference: a lone message is a batch of one, handled at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine

from followup.core import clock
from followup.core.phones import mask
from followup.messages.render import Renderer
from followup.protocol import Protocol
from followup.replies.alarms import alarm_fallback, fallback_for
from followup.replies.handle import Inbound, process, store
from followup.replies.outcome import Handled
from followup.replies.recovery import previous_answer

log = logging.getLogger(__name__)
# Enough to share the commits under a burst, few enough that one batch stays short.
BATCH_SIZE = 64
# After a batch of more than one, a thread waits this long for the next one to fill
# (PostgreSQL's commit_delay, in effect): the event loop, alone with the GIL, reads every
# request that came meanwhile, and the next batch is bigger. Under load 10 ms gave a tenth
# more throughput than 2 ms (docs/benchmarks.md). A batch of one means no load: nobody
# is kept waiting for company, and a message that finds no thread at work goes at once.
GATHER_SECONDS = 0.01

_Waiting = tuple[Inbound, "asyncio.Future[Handled]"]
_Outcome = tuple["asyncio.Future[Handled]", Handled | BaseException]


@dataclass
class Inbox:
    """Hands inbound SMS to at most `threads` threads, each taking all that wait (up to a batch).

    Threads start when messages arrive and end when none wait, so nothing needs stopping.
    """

    engine: Engine
    protocol: Protocol
    renderer: Renderer
    threads: int
    batch_size: int = BATCH_SIZE
    _waiting: list[_Waiting] = field(default_factory=list)
    _running: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle(self, inbound: Inbound) -> Handled:
        """Store and process one webhook's message with whatever else is waiting; its answer."""
        future: asyncio.Future[Handled] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._waiting.append((inbound, future))
            if self._running < self.threads:
                self._running += 1
                threading.Thread(target=self._drain, name="inbox", daemon=True).start()
        return await future

    def _drain(self) -> None:
        try:
            while batch := self._take():
                # One wake-up of the event loop for the whole batch.
                _send(self._handle(batch))
                if len(self._waiting) < self.batch_size:
                    time.sleep(GATHER_SECONDS)
        except BaseException:
            # Whatever went wrong, the next message must still find a thread to take it.
            with self._lock:
                self._running -= 1
            raise

    def _take(self) -> list[_Waiting]:
        """The next batch; when there is none, this thread is done (decided under the lock)."""
        with self._lock:
            batch = self._waiting[: self.batch_size]
            del self._waiting[: self.batch_size]
            if not batch:
                self._running -= 1
            return batch

    def _handle(self, batch: list[_Waiting]) -> list[_Outcome]:
        now = clock.now()
        try:
            stored = store(self.engine, [inbound for inbound, _ in batch], now)
        except Exception as exc:
            # The database is down: each webhook fails (Twilio may retry, or use the
            # number's fallback URL), except that a crisis still gets the crisis line.
            log.exception("%d inbound messages could not be stored", len(batch))
            return [(future, self._unstored(inbound, exc)) for inbound, future in batch]
        fresh = []
        outcomes: list[_Outcome] = []
        for (inbound, future), (message_id, new) in zip(batch, stored, strict=True):
            if new:
                fresh.append((message_id, inbound, future))
            else:
                # Twilio's retry may wait seconds for the first copy's answer: not in this thread.
                threading.Thread(
                    target=self._answer_again,
                    args=(future, message_id, inbound.body),
                    name="inbox-retry",
                    daemon=True,
                ).start()
        if not fresh:
            return outcomes
        try:
            handled: list[Handled] | BaseException = process(
                self.engine,
                self.protocol,
                self.renderer,
                [(message_id, inbound) for message_id, inbound, _ in fresh],
                now,
            )
        except Exception as exc:
            handled = exc
        for index, (_, _, future) in enumerate(fresh):
            outcomes.append(
                (future, handled if isinstance(handled, BaseException) else handled[index])
            )
        return outcomes

    def _unstored(self, inbound: Inbound, exc: Exception) -> Handled | BaseException:
        template = fallback_for(inbound.body)
        if template is None:
            return exc
        log.error(
            "a message from %s calling for %s was answered but could not be stored",
            mask(inbound.from_number),
            template,
        )
        return Handled(reply=alarm_fallback(self.protocol, template))

    def _answer_again(self, future: asyncio.Future[Handled], message_id: int, body: str) -> None:
        try:
            outcome: Handled | BaseException = previous_answer(
                self.engine, self.protocol, message_id, body
            )
        except Exception as exc:
            outcome = exc
        _send([(future, outcome)])


def _send(outcomes: list[_Outcome]) -> None:
    """Hand the outcomes to the event loops their webhooks wait in (one, in a web process)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for future, outcome in outcomes:
        by_loop.setdefault(future.get_loop(), []).append((future, outcome))
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, settled)
        except RuntimeError:  # the web process stopped meanwhile: Twilio will retry
            log.warning("%d inbound messages were handled after the web stopped", len(settled))


def _settle(outcomes: list[_Outcome]) -> None:
    """In the event loop: hand each webhook its answer, or its error."""
    for future, outcome in outcomes:
        if future.cancelled():  # the client went away
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
