"""Inbound SMS handed from the web's event loop to threads that handle them in batches.

A message handled on its own costs a thread hop, two commits and a wake-up of the event
loop. Under a burst, the messages waiting when a thread comes free are journaled
together (one fsync), stored together (one commit) and processed together (one more
commit), so those costs are shared. A quiet clinic sees no difference: a lone message
is a batch of one, handled at once.

Nothing answered is lost: each batch is in the local journal (`journal`) before the
database is asked. When the database cannot take a message, the webhook is answered
from memory (the alarm's numbers, or the keyword's answer, else nothing) and the message
waits in the journal for the replay (`replay`); a crisis or an emergency pages on-call
directly meanwhile (`followup.alerts.direct`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Engine

from followup.alerts import PAUSING, deliver_pending
from followup.alerts.calls import CallPlacing
from followup.alerts.direct import page_directly
from followup.channels.base import Channel
from followup.core import clock
from followup.core.phones import mask
from followup.messages.render import Renderer
from followup.ops.outages import cause, is_unavailable
from followup.protocol import Protocol
from followup.replies.alarms import alarm, alarm_fallback, alarm_reason
from followup.replies.handle import process, store
from followup.replies.journal import InboundJournal
from followup.replies.outcome import Handled, Inbound, Processed, Replies, Unrecorded
from followup.replies.parse import Keyword, keyword
from followup.replies.recovery import previous_answer
from followup.replies.triage import triage

log = logging.getLogger(__name__)
# The most journaled messages one catch-up takes: the next pass takes the rest.
CATCH_UP = 500
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
    journal: InboundJournal | None = None
    # For paging on-call when the database cannot take a crisis.
    channels: Mapping[str, Channel] = field(default_factory=dict)
    batch_size: int = BATCH_SIZE
    _waiting: list[_Waiting] = field(default_factory=list)
    _running: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # MessageSids a webhook thread is at work on: the replay leaves them alone.
    busy: set[str] = field(default_factory=set)
    # MessageSids on-call is being or was paged about without the database.
    _paged: set[str] = field(default_factory=set)
    _paging: set[str] = field(default_factory=set)  # being paged about right now
    # Whether the journal may hold messages older than the next webhook's: they go first,
    # so that a STOP sent during an outage is not overtaken by the START sent after it.
    backlog: bool = True
    _offline_renderer: Renderer | None = None
    # FOLLOWUP_PUBLIC_URL: each page links to its alert.
    public_url: str | None = None
    # Phones on-call for the alerts that call (`[paging] call_for`), before SMS and email.
    calls: CallPlacing | None = None

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
        inbounds = [replace(inbound, received_at=now) for inbound, _ in batch]
        sids = {inbound.sid for inbound in inbounds}
        # Busy before they are in the journal: another thread's catch-up that finds them
        # there leaves them to this one (else it takes them, and the answer is not sent).
        with self._lock:
            self.busy |= sids
        try:
            journaled = self._journal(inbounds)
            earlier = self.catch_up(now) if self.backlog else []
            self.deliver(earlier)
            away = next((r for r in earlier if isinstance(r, Unrecorded)), None)
            # The database just failed the older messages: one try a webhook, not two
            # (each may wait for a connection timeout while Twilio waits for us).
            results: list[Processed] = (
                [away for _ in inbounds] if away else self.take_in(inbounds, now, live=True)
            )
            outcomes: list[_Outcome] = []
            failed: list[Inbound] = []
            for inbound, (_, future), result in zip(inbounds, batch, results, strict=True):
                if isinstance(result, Handled):
                    outcomes.append((future, result))
                elif result is None:
                    # Processed before (Twilio retried): the first answer, which may still
                    # be coming, so not in this thread.
                    threading.Thread(
                        target=self._answer_again,
                        args=(future, inbound),
                        name="inbox-retry",
                        daemon=True,
                    ).start()
                else:
                    # Still busy: a page claimed here is claimed before a catch-up may
                    # take the message, whose alert would page a second time.
                    failed.append(inbound)
                    outcomes.append((future, self.from_memory(inbound, journaled, result.error)))
        finally:
            with self._lock:
                self.busy -= sids
        if failed:
            self.backlog = True
            log.error(
                "%d inbound messages %s: %s",
                len(failed),
                "wait in the journal for the database" if journaled else "could not be kept",
                cause(next(r.error for r in results if isinstance(r, Unrecorded))),
            )
        return outcomes

    def take_in(self, inbounds: Sequence[Inbound], now: datetime, live: bool) -> list[Processed]:
        """Store and process messages; each one the database has processed (or had) leaves
        the journal. Never raises: what the database could not take is `Unrecorded`."""
        try:
            stored = store(self.engine, inbounds, now)
        except Exception as exc:
            if not is_unavailable(exc):
                log.exception("%d inbound messages could not be stored", len(inbounds))
            return [Unrecorded(exc) for _ in inbounds]
        messages = [
            (message_id, inbound) for (message_id, _), inbound in zip(stored, inbounds, strict=True)
        ]
        results = process(self.engine, self.protocol, self.renderer, messages, now, live)
        # A live None may be a retry whose first copy is still at work: the replay, which
        # waits for the database, clears it later.
        done = [
            inbound.sid
            for inbound, result in zip(inbounds, results, strict=True)
            if isinstance(result, Handled) or (result is None and not live)
        ]
        if done and self.journal is not None:
            try:
                self.journal.done(done)
            except Exception as exc:  # processed twice later is idempotent: no harm
                log.error("could not clear %d messages from the journal: %s", len(done), exc)
        return results

    def catch_up(self, now: datetime) -> list[Processed]:
        """Store and process what waits in the journal (but for what other threads are at
        work on), in arrival order; what it made of each. Their answers are kept, not sent."""
        if self.journal is None:
            self.backlog = False
            return []
        waiting = self.journal.waiting(CATCH_UP)
        with self._lock:  # after the journal is read: see _handle
            busy = self.busy | self._paging
        mine = [inbound for inbound in waiting if inbound.sid not in busy]
        if not mine:  # what waits is other threads' to finish, or being paged about
            with self._lock:
                self.backlog = any(inbound.sid in self._paging for inbound in waiting)
            return []
        results = self.take_in(mine, now, live=False)
        unrecorded = any(isinstance(r, Unrecorded) for r in results)
        # Left for another pass: more than one takes, or a message being paged about.
        with self._lock:
            paging = any(inbound.sid in self._paging for inbound in waiting)
        self.backlog = unrecorded or len(waiting) == CATCH_UP or paging
        done = sum(isinstance(r, Handled) for r in results)
        if done:
            log.info("%d inbound messages from the journal stored and processed", done)
        return results

    def deliver(self, results: Sequence[Processed]) -> None:
        """Page on-call about the alerts these results raised, in a thread of their own."""
        alert_ids = [i for r in results if isinstance(r, Handled) for i in r.alert_ids]
        if alert_ids:
            threading.Thread(
                target=self.page_alerts, args=(alert_ids,), name="inbox-alerts", daemon=True
            ).start()

    def page_alerts(self, alert_ids: list[int]) -> None:
        """Send the first pages of alerts just raised; what fails (the database gone again,
        a provider down) is one line, and the worker's alert job sends it later.

        The call goes first: it is the page that wakes someone, and SMTP can be slow."""
        for alert_id in alert_ids:
            try:
                if self.calls is not None:
                    self.calls.place_due(alert_id)
            except Exception as exc:  # the worker's alert job places what is left
                log.error("alert %d: calling on-call failed: %s", alert_id, cause(exc))
            try:
                deliver_pending(
                    self.engine,
                    self.channels,
                    self.protocol,
                    clock.now(),
                    alert_id,
                    self.public_url,
                )
            except Exception as exc:  # the worker's alert job pages what is left
                if is_unavailable(exc):
                    log.error(
                        "alert %d: paging on-call waits for the database: %s", alert_id, cause(exc)
                    )
                else:
                    log.error("alert %d: paging failed: %s", alert_id, cause(exc))

    def from_memory(
        self, inbound: Inbound, journaled: bool, error: Exception
    ) -> Handled | Exception:
        """The answer to a message the database could not take: an alarm's numbers (and
        on-call paged directly), a keyword's usual answer, else none. Unjournaled and no
        alarm: the error, a 500, so that Twilio's fallback URL is tried."""
        found = triage(inbound.body)
        raised = alarm(found)
        if raised is not None:
            if raised.severity in PAUSING and self._claim_page(inbound):
                threading.Thread(
                    target=self._send_page, args=(inbound,), name="inbox-page", daemon=True
                ).start()
            where = self.protocol.location_by_number(inbound.to_number)
            return Handled(reply=alarm_fallback(self.protocol, raised.template, where))
        if not journaled:
            return error
        return Handled(reply=self._keyword_answer(inbound.body))

    def page(self, inbound: Inbound) -> bool:
        """Page on-call about a crisis or emergency the database could not take, once per
        message; whether it is paged (now or before)."""
        return not self._claim_page(inbound) or self._send_page(inbound)

    def _claim_page(self, inbound: Inbound) -> bool:
        """Take the page about this message for the caller; False when it is (being) paged."""
        with self._lock:
            if inbound.sid in self._paged or inbound.paged:
                return False
            self._paged.add(inbound.sid)
            # Until the page is noted in the journal, no catch-up may take the message: its
            # alert would not know of the page, and on-call would be paged twice.
            self._paging.add(inbound.sid)
            return True

    def _send_page(self, inbound: Inbound) -> bool:
        """Send a page claimed with _claim_page; whether a channel took it."""
        try:
            found = triage(inbound.body)
            raised = alarm(found)
            assert raised is not None
            took = page_directly(
                self.protocol,
                self.channels,
                severity=raised.severity,
                reason=alarm_reason(found, raised),
                sender=inbound.from_number,
                # The patient is unknown without the database: the number they texted
                # names their location.
                location=self.protocol.location_by_number(inbound.to_number),
            )
            if not took:
                with self._lock:
                    self._paged.discard(inbound.sid)  # the replay tries again
                return False
            if self.journal is not None:
                try:
                    self.journal.mark_paged(inbound.sid, took)
                except Exception as exc:
                    log.error("could not note the page for %s: %s", mask(inbound.from_number), exc)
            return True
        finally:
            with self._lock:
                self._paging.discard(inbound.sid)

    def _journal(self, inbounds: Sequence[Inbound]) -> bool:
        if self.journal is None:
            return False
        try:
            self.journal.append(inbounds)
        except Exception as exc:
            # The database is still tried: the journal is a second copy, not the only one.
            log.error("could not journal %d inbound messages: %s", len(inbounds), exc)
            return False
        return True

    def _keyword_answer(self, body: str) -> str | None:
        word = keyword(body)
        template = _KEYWORD_ANSWERS.get(word) if word is not None else None
        if template is None:
            return None
        try:
            return Replies(self._offline(), self.protocol, None).result("", "", template).reply
        except Exception:
            log.exception("the %s template failed while the database is down", template)
            return None

    def _offline(self) -> Renderer:
        """The renderer with the staff edits as last read: the database is not asked (the
        service's renderer asks it every few seconds, and would fail the answer)."""
        if self._offline_renderer is None:
            known = getattr(self.renderer.overrides, "known", None)
            self._offline_renderer = Renderer(self.renderer.templates_dir, overrides=known)
        return self._offline_renderer

    def _answer_again(self, future: asyncio.Future[Handled], inbound: Inbound) -> None:
        try:
            outcome: Handled | BaseException = previous_answer(
                self.engine, self.protocol, inbound.sid, inbound.body
            )
        except Exception as exc:
            outcome = self.from_memory(inbound, True, exc)
        _send([(future, outcome)])


# Answered the same whoever sends them, so also while the database is down (in English:
# without the database the sender's language is unknown).
_KEYWORD_ANSWERS = {
    Keyword.STOP: "reply_stop",
    Keyword.START: "reply_start",
    Keyword.HELP: "reply_help",
}


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
