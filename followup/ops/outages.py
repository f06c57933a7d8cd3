"""Keep periodic jobs alive while the database is unreachable, and say so once.

A database restart or failover makes every job raise until it is back. Without this,
APScheduler logs a traceback per job per tick; with it, the worker logs one line when
the database goes away, one when it returns, and the next tick simply tries again.
Nothing is lost meanwhile: the plan lives in the database, and claims whose worker could
not record an outcome come back after their lease.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "cannot reach the database", not "the query is wrong"."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class OutageGuard:
    """Wraps jobs; one guard per process, so an outage is reported once, not once per job."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._down_since: float | None = None

    @property
    def down(self) -> bool:
        """Whether the last database call of any guarded job failed to reach the database."""
        with self._lock:
            return self._down_since is not None

    def wrap(self, job: Callable[P, R], name: str) -> Callable[P, R | None]:
        """`job`, returning None instead of raising while the database is unreachable."""

        @functools.wraps(job)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | None:
            try:
                result = job(*args, **kwargs)
            except DBAPIError as exc:
                if not is_unavailable(exc):
                    raise
                self._failed(name, exc)
                return None
            self._succeeded()
            return result

        return guarded

    def _failed(self, name: str, exc: DBAPIError) -> None:
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = self._monotonic()
        # The driver's first line names the cause (refused, shutting down) and carries no
        # patient data; the SQL statement and parameters are left out on purpose.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        if first:
            log.warning(
                "database unavailable (%s in %s: %s); retrying at every tick",
                type(exc.orig or exc).__name__,
                name,
                reason,
            )
        else:
            log.debug("database still unavailable (%s): %s", name, reason)

    def _succeeded(self) -> None:
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            log.info("database available again after %.0f s", self._monotonic() - since)
