"""Run dispatch in batches: claim, send through bounded per-provider pools, release on stop."""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from followup.channels.base import LookupChannel
from followup.dispatch.batch import Attempt, Ready
from followup.dispatch.claim import claim_due, release
from followup.dispatch.rate import Limit, SharedLimit
from followup.dispatch.send import Dispatcher

log = logging.getLogger(__name__)

# A batch holds at most what the lanes can send in about this long. Under a low rate
# limit a bigger claim only keeps messages from other workers that could send them now.
BATCH_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Lane:
    """One provider's limits: requests in flight, and messages per second for its sender.

    The rate belongs to the sender (a Twilio number or Messaging Service, an SMTP relay),
    whichever worker sends: every worker takes its tokens from the sender's one bucket.
    """

    concurrency: int
    rate_per_second: float
    sender: str


@dataclass(slots=True)
class BatchResult:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    released: int = 0


@dataclass(slots=True)
class _Pocket:
    """The tokens one batch took from one sender's bucket and has not used yet.

    They die with the batch: tokens held over a quiet spell would add to the bucket's
    burst. A dropped token costs its sender a moment, never a message.
    """

    needed: int = 0  # the batch's messages for this sender not yet given a token or back
    tokens: int = 0
    closed: bool = False  # the bucket could not be reached: nothing more goes
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(slots=True)
class _Batch(BatchResult):
    """One claimed batch: what the sending threads and the recording thread share."""

    ready: list[Ready] = field(default_factory=list)
    results: queue.SimpleQueue[Attempt] = field(default_factory=queue.SimpleQueue)
    unsent: set[int] = field(default_factory=set)
    revoked: set[int] = field(default_factory=set)
    given_back: list[int] = field(default_factory=list)
    pockets: dict[str, _Pocket] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Sending stops past this monotonic time unless a lease renewal pushes it on: a
    # worker cut off from the database must not send what another may take over.
    safe_until: float = 0.0
    # Set when a recording fails: nothing more of the batch goes (a circuit breaker, so
    # that a worker without its database does not send what it cannot record).
    cut_off: bool = False

    def give_back(self, items: list[Ready]) -> None:
        """Messages of one sending queue that will not go in this batch (none had a token)."""
        ids = [r.id for r in items]
        with self.lock:
            self.given_back.extend(ids)
            self.unsent.difference_update(ids)
        if items:
            pocket = self.pockets[items[0].channel]
            with pocket.lock:
                pocket.needed -= len(items)


class DispatchRunner:
    """Claims due messages and sends them; one per worker process.

    A batch costs a handful of statements whatever its size: the claim, one prepare
    transaction, a take of tokens per sender (more only while a sender's limit holds the
    batch back), a recording transaction about once a second, and the release of
    anything not sent.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        lanes: dict[str, Lane],
        lease: timedelta,
        batch_size: int,
        flush_seconds: float = 1.0,
    ) -> None:
        self.dispatcher = dispatcher
        self.lease = lease
        sendable = math.ceil(sum(lane.rate_per_second for lane in lanes.values()) * BATCH_SECONDS)
        self.batch_size = max(1, min(batch_size, sendable))
        self.flush_seconds = flush_seconds
        self.stopping = threading.Event()
        self._pools = {
            name: ThreadPoolExecutor(
                max_workers=lane.concurrency, thread_name_prefix=f"send-{name}"
            )
            for name, lane in lanes.items()
        }
        # Public like the dispatcher's channels, so a benchmark can run without limits.
        self.limits: dict[str, Limit] = {
            name: SharedLimit(dispatcher.engine, lane.sender, lane.rate_per_second)
            for name, lane in lanes.items()
        }

    def run_until_idle(self) -> BatchResult:
        """Send batches until nothing more is due (or stop is asked); the periodic job.

        The next batch is claimed and prepared while the current one is with the
        provider, so the database work and the sending overlap; it goes out only once
        the current batch is done, which keeps each patient's messages in due order.
        """
        total = BatchResult()
        self.record_held()
        upcoming = self._take()
        while upcoming is not None:
            current, upcoming = upcoming, None
            sending = self._start(current)
            try:
                if current.claimed >= self.batch_size and not self.stopping.is_set():
                    upcoming = self._take()
            finally:
                self._finish(sending, current)
            total.claimed += current.claimed
            total.outcomes.update(current.outcomes)
            total.released += current.released
            if upcoming is not None:
                self._recheck(upcoming)
        if total.claimed:
            log.info(
                "dispatch: %d claimed, %s, %d given back",
                total.claimed,
                dict(total.outcomes),
                total.released,
            )
        return total

    def run_once(self) -> BatchResult:
        """Claim one batch and wait until each message is sent, retried or given back.

        A patient's messages on one channel go one after another, in due order: they
        arrive in the order they were planned, and after a refusal (an opt-out, a dead
        number) the rest of that patient's batch is given back, to be checked again.
        """
        self.record_held()
        batch = self._take()
        if batch is None:
            return BatchResult()
        self._finish(self._start(batch), batch)
        return batch

    def record_held(self) -> int:
        """Record the sends held on disk (this worker's, and dead workers' of this host)
        before anything else is sent; how many."""
        d = self.dispatcher
        if d.held is None:
            return 0
        held = d.held.held()
        if held:
            outcomes = d.record(held, held=True)
            d.held.release([attempt.ready.id for attempt in held])
            log.info(
                "recorded %d send(s) held while the database was away: %s",
                len(held),
                dict(outcomes),
            )
        return len(held)

    def _take(self) -> _Batch | None:
        """Claim and prepare the next batch; None when nothing is due or we are stopping."""
        d = self.dispatcher
        if self.stopping.is_set():
            return None
        claimed = claim_due(d.engine, d.owner, d.now(), self.lease, self.batch_size)
        if not claimed:
            return None
        prepared = d.prepare([item.id for item in claimed])
        return _Batch(
            claimed=len(claimed), outcomes=Counter(prepared.outcomes), ready=prepared.ready
        )

    def _start(self, batch: _Batch) -> set[Future[None]]:
        """Hand a prepared batch to the sending threads, one queue per patient and channel."""
        batch.unsent = {r.id for r in batch.ready}
        batch.safe_until = self._safe_until()
        queues: dict[tuple[str, int], list[Ready]] = {}
        for ready in batch.ready:
            queues.setdefault((ready.channel, ready.patient_id), []).append(ready)
            batch.pockets.setdefault(ready.channel, _Pocket()).needed += 1
        return {
            self._pools[channel].submit(self._send_in_order, items, batch)
            for (channel, _patient), items in queues.items()
        }

    def _finish(self, pending: set[Future[None]], batch: _Batch) -> None:
        """Record the batch as it comes back, then give back what was never sent."""
        d = self.dispatcher
        waiting: list[Attempt] = []
        while pending:
            _done, pending = wait(pending, timeout=self.flush_seconds)
            waiting = self._flush(batch, waiting, last=not pending)
        batch.released += release(d.engine, batch.given_back, d.owner, d.now())

    def _recheck(self, batch: _Batch) -> None:
        """A batch prepared while the last one was out, checked again before it goes.

        What the last batch recorded (an opt-out, a dead number) or a cancellation since
        may stop some of its messages; those are given back. On stop, all of it is.
        """
        d = self.dispatcher
        ids = [r.id for r in batch.ready]
        revoked = set(ids) if self.stopping.is_set() else d.renew(ids)
        if revoked:
            batch.released = release(d.engine, sorted(revoked), d.owner, d.now())
            batch.ready = [r for r in batch.ready if r.id not in revoked]

    def _flush(self, batch: _Batch, waiting: list[Attempt], last: bool) -> list[Attempt]:
        """Record what came back and renew the leases; keep what could not be written."""
        while True:
            try:
                waiting.append(batch.results.get_nowait())
            except queue.Empty:
                break
        try:
            batch.outcomes.update(self.dispatcher.record(waiting))
            self._release_held(waiting)
            waiting = []
            if not last:
                with batch.lock:
                    unsent = sorted(batch.unsent)
                revoked = self.dispatcher.renew(unsent)
                with batch.lock:
                    batch.revoked |= revoked
                batch.safe_until = self._safe_until()
        except SQLAlchemyError:
            batch.cut_off = True
            self._hold(waiting)
            if last:
                # Held on disk, and in flight in the database: recorded first thing when
                # it returns; after the lease, whoever claims them looks each one up (in
                # the held sends, or at the provider) before sending anything.
                log.error(
                    "could not record %d sent message(s); held until the database returns",
                    len(waiting),
                )
                raise
            log.warning("could not record %d message(s) yet; sending stops, retrying", len(waiting))
        return waiting

    def _hold(self, attempts: list[Attempt]) -> None:
        held = self.dispatcher.held
        if held is not None:
            try:
                held.hold(attempts)
            except Exception as exc:  # in flight still: looked up after the lease
                log.error("could not hold %d send(s) on disk: %s", len(attempts), exc)

    def _release_held(self, attempts: list[Attempt]) -> None:
        held = self.dispatcher.held
        if held is not None and attempts:
            try:
                held.release([a.ready.id for a in attempts if a.receipt is not None])
            except Exception as exc:  # recorded already: a held copy is recorded as a no-op
                log.error("could not release %d held send(s): %s", len(attempts), exc)

    def _safe_until(self) -> float:
        return time.monotonic() + self.lease.total_seconds() / 2

    def _send_in_order(self, items: list[Ready], batch: _Batch) -> None:
        for position, ready in enumerate(items):
            rest = items[position:]
            if not self._acquire(ready, batch):
                batch.give_back(rest)  # never sent: back to pending, checked again
                return
            try:
                attempt = self.dispatcher.attempt(ready)
            except Exception:
                log.exception("message %d: dispatch error", ready.id)
                batch.give_back(rest[1:])
                return  # in flight: settled with the provider after the lease
            if attempt.receipt is not None and not isinstance(
                self.dispatcher.channels[ready.channel], LookupChannel
            ):
                # No lookup at this provider: held on disk before anything else, so a
                # worker killed now does not leave a send nobody can find.
                self._hold([attempt])
            with batch.lock:
                batch.unsent.discard(ready.id)
            batch.results.put(attempt)
            if attempt.error is not None and attempt.error.unreachable:
                batch.give_back(rest[1:])
                return

    def _acquire(self, ready: Ready, batch: _Batch) -> bool:
        """A token for `ready` from the batch's pocket, refilled from its sender's bucket.

        False when it must not go now. The wait for tokens may be long while other
        workers share the sender, so what may have changed is looked at after each wait.
        """
        pocket = batch.pockets[ready.channel]
        with pocket.lock:
            while not pocket.closed and self._may_send(ready, batch):
                if pocket.tokens:
                    pocket.tokens -= 1
                    pocket.needed -= 1
                    return True
                try:
                    grant = self.limits[ready.channel].take(pocket.needed)
                except SQLAlchemyError as exc:
                    # The limit lives in the database: cut off from it, the batch sends no
                    # more as this sender, as when its leases cannot be renewed.
                    log.warning(
                        "%s: could not take tokens (%s); the rest of the batch goes back",
                        ready.channel,
                        type(exc).__name__,
                    )
                    pocket.closed = True
                    break
                pocket.tokens += grant.tokens
                if not grant.tokens:
                    self.stopping.wait(grant.wait)
        return False

    def _may_send(self, ready: Ready, batch: _Batch) -> bool:
        return not (
            self.stopping.is_set()
            or batch.cut_off
            or ready.id in batch.revoked
            or time.monotonic() > batch.safe_until
            # Quiet hours began or it expired while it waited for its turn.
            or (ready.send_by is not None and self.dispatcher.now() >= ready.send_by)
        )

    def stop(self) -> None:
        """Finish messages in flight, give back the rest of the batch."""
        self.stopping.set()

    def close(self) -> None:
        self.stopping.set()
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        if self.dispatcher.held is not None:
            self.dispatcher.held.close()
