"""Readiness: can this process do its work? The database answers with a current schema, and
each configured provider answers and takes our credentials.

Provider answers are kept for a while (FOLLOWUP_READINESS_CACHE_SECONDS), so a probe every
second does not become a request to Twilio every second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from followup.channels.base import Channel, ChannelError, CheckableChannel
from followup.db.migrate import pending_revisions

PROVIDER_TIMEOUT = 5.0
OK = "ok"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Report:
    """What each check found: "ok" or a PHI-free reason, by name (database, twilio, smtp)."""

    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Every check passed."""
        return all(result == OK for result in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        """The body /readyz answers with; `reason` is the first failing check's."""
        if self.ready:
            return {"status": "ready", **self.checks, "migrations": "current"}
        reason = next(result for result in self.checks.values() if result != OK)
        return {"status": "unavailable", "reason": reason, "checks": self.checks}


def check_database(engine: Engine) -> str:
    """ "ok" when the database answers and its schema is current."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        behind = pending_revisions(engine)
    except SQLAlchemyError as exc:
        return f"database unreachable: {type(exc).__name__}"
    if behind:
        return "database schema is behind: run `followup db upgrade`"
    return OK


@dataclass(slots=True)
class _Cached:
    lock: threading.Lock = field(default_factory=threading.Lock)
    result: str = OK
    checked_at: float | None = None


class Readiness:
    """Checks the database on every call and each provider at most once per `cache_seconds`."""

    def __init__(
        self,
        engine: Engine,
        channels: Mapping[str, Channel],
        cache_seconds: float = 15.0,
        timeout: float = PROVIDER_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self._monotonic = monotonic
        # Named by provider, not channel: "twilio" is what an operator goes to fix.
        self._providers = {
            channel.provider: channel
            for channel in channels.values()
            if isinstance(channel, CheckableChannel) and channel.provider != "outbox"
        }
        self._cache = {name: _Cached() for name in self._providers}

    def report(self) -> Report:
        """Run the checks (providers in parallel, from the cache when fresh)."""
        checks = {"database": check_database(self.engine)}
        if self._providers:
            with ThreadPoolExecutor(len(self._providers), "readiness") as pool:
                results = pool.map(self._provider, self._providers)
                checks.update(zip(self._providers, results, strict=True))
        return Report(checks)

    def _provider(self, name: str) -> str:
        cached = self._cache[name]
        # Concurrent probes wait for one check instead of each asking the provider.
        with cached.lock:
            now = self._monotonic()
            if cached.checked_at is None or now - cached.checked_at >= self.cache_seconds:
                cached.result = self._ask(self._providers[name])
                cached.checked_at = self._monotonic()
            return cached.result

    def _ask(self, channel: CheckableChannel) -> str:
        try:
            channel.check(self.timeout)
        except ChannelError as exc:
            # Anyone may ask /readyz: it says which provider and what kind of failure
            # ("twilio: unreachable"), and the log says the rest (hosts, the error's text).
            detail = str(exc)
            log.warning("not ready: %s", detail)
            return detail.split(" (", 1)[0]
        return OK
