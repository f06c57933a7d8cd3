"""A sliding window counter in memory: at most `limit` events per key in any `window`.

Used per client address for failed sign-ins, so that an attacker's address is slowed
before anything reaches the database or Argon2. In memory because refusing must cost
nothing: a table would give the attacker a write (SQLite: the one writer) per try. Each
web process counts for itself, so N processes let an address through N times as often.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

# A storm from many addresses cannot grow the table past this: the stalest keys go first.
MAX_KEYS = 10_000


class SlidingWindow:
    """Counts events per key over the last `window`; thread-safe.

    `reserve` and `release` bracket an attempt whose outcome is not known yet, so that a
    burst of concurrent attempts from one key cannot overshoot the limit while all of them
    are still being checked.
    """

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[datetime]] = {}
        self._pending: dict[str, int] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, now: datetime) -> datetime | None:
        """Hold a place for an attempt, or return when the window next has room."""
        with self._lock:
            events = self._fresh(key, now)
            pending = self._pending.get(key, 0)
            if len(events) + pending >= self.limit:
                # The oldest event that keeps it full leaves the window first.
                return events[0] + self.window if events else now + self.window
            self._pending[key] = pending + 1
            return None

    def release(self, key: str, now: datetime, *, failed: bool) -> bool:
        """Give back a place held by `reserve`, counting a failure. True when this failure
        filled the window (the moment to write down that the key is now stopped)."""
        with self._lock:
            left = self._pending.get(key, 1) - 1
            if left > 0:
                self._pending[key] = left
            else:
                self._pending.pop(key, None)
            if not failed:
                return False
            events = self._fresh(key, now)
            events.append(now)
            self._events[key] = events
            self._evict()
            return len(events) == self.limit

    def clear(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)

    def _fresh(self, key: str, now: datetime) -> deque[datetime]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def _evict(self) -> None:
        while len(self._events) > MAX_KEYS:
            stalest = min(self._events, key=lambda k: self._events[k][-1])
            del self._events[stalest]
