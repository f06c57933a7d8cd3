"""Run dispatch in batches: claim, send through bounded per-provider pools, release on stop."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from followup.dispatch.claim import claim_due, release
from followup.dispatch.send import Dispatcher

log = logging.getLogger(__name__)


class RateLimiter:
    """A token bucket: at most `rate` acquisitions a second, in bursts of at most `burst`."""

    def __init__(
        self, rate: float, burst: int = 1, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(burst, 1)
        self._monotonic = monotonic
        self._tokens = float(self.burst)
        self._last = monotonic()
        self._lock = threading.Lock()

    def acquire(self, stop: threading.Event) -> bool:
        """Wait for a token; False if `stop` is set first."""
        while not stop.is_set():
            with self._lock:
                now = self._monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return True
                wait = (1 - self._tokens) / self.rate
            stop.wait(wait)
        return False


@dataclass(frozen=True, slots=True)
class Lane:
    """One provider's limits: requests in flight and messages per second."""

    concurrency: int
    rate_per_second: float


@dataclass(slots=True)
class BatchResult:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    released: int = 0


class DispatchRunner:
    """Claims due messages and sends them; one per worker process."""

    def __init__(
        self, dispatcher: Dispatcher, lanes: dict[str, Lane], lease: timedelta, batch_size: int
    ) -> None:
        self.dispatcher = dispatcher
        self.lease = lease
        self.batch_size = batch_size
        self.stopping = threading.Event()
        self._pools = {
            name: ThreadPoolExecutor(
                max_workers=lane.concurrency, thread_name_prefix=f"send-{name}"
            )
            for name, lane in lanes.items()
        }
        self._limits = {
            name: RateLimiter(lane.rate_per_second, burst=lane.concurrency)
            for name, lane in lanes.items()
        }

    def run_until_idle(self) -> BatchResult:
        """Send batches until nothing more is due (or stop is asked); the periodic job."""
        total = BatchResult()
        while not self.stopping.is_set():
            result = self.run_once()
            total.claimed += result.claimed
            total.outcomes.update(result.outcomes)
            total.released += result.released
            if result.claimed < self.batch_size:
                break
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
        arrive in the order they were planned, and a refusal (an opt-out, a dead number)
        is known before the next one to that patient is tried.
        """
        d = self.dispatcher
        if self.stopping.is_set():
            return BatchResult()
        claimed = claim_due(d.engine, d.owner, d.now(), self.lease, self.batch_size)
        result = BatchResult(claimed=len(claimed))
        queues: dict[tuple[str, int], list[int]] = {}
        for item in claimed:
            queues.setdefault((item.channel, item.patient_id), []).append(item.id)
        futures = [
            self._pools[channel].submit(self._send_in_order, ids, channel)
            for (channel, _patient), ids in queues.items()
        ]
        unsent: list[int] = []
        for future in futures:
            outcomes, given_back = future.result()
            result.outcomes.update(outcomes)
            unsent.extend(given_back)
        result.released = release(d.engine, unsent, d.owner, d.now())
        return result

    def _send_in_order(self, ids: list[int], channel: str) -> tuple[Counter[str], list[int]]:
        outcomes: Counter[str] = Counter()
        for position, message_id in enumerate(ids):
            if not self._limits[channel].acquire(self.stopping):
                return outcomes, ids[position:]  # shutting down: give the rest back
            try:
                outcomes[self.dispatcher.process(message_id)] += 1
            except Exception:
                # The claim stays until its lease runs out; the message is then retried,
                # after a lookup at the provider in case it went out.
                log.exception("message %d: dispatch error", message_id)
                outcomes["error"] += 1
        return outcomes, []

    def stop(self) -> None:
        """Finish messages in flight, give back the rest of the batch."""
        self.stopping.set()

    def close(self) -> None:
        self.stopping.set()
        for pool in self._pools.values():
            pool.shutdown(wait=True)
