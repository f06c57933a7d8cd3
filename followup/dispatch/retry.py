"""Backoff as a value: how long to wait before the next attempt, or give up."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int
    base: timedelta
    cap: timedelta

    def next_delay(
        self, attempts: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> timedelta | None:
        """The wait before attempt `attempts + 1`, or None when attempts are used up.

        Exponential from `base`, capped, with full jitter between half and the whole delay so
        that a backlog after an outage does not return in one burst; never shorter than the
        provider's Retry-After.
        """
        if attempts >= self.max_attempts:
            return None
        ceiling = min(self.cap, self.base * (1 << min(max(attempts - 1, 0), 30)))
        jitter = rng.uniform(0.5, 1.0) if rng else random.uniform(0.5, 1.0)
        delay = ceiling * jitter
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay
