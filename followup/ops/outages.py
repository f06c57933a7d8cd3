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


def cause(exc: BaseException) -> str:
    """One line saying why a database call failed: the driver's first line, never the SQL
    statement or its parameters (they may carry a patient's words)."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {lines[0]}" if lines else type(inner).__name__


class OutageGuard:
    """Wraps jobs; one guard per process, so an outage is reported once, not once per job."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._up_since = monotonic()

    def up_for(self) -> float:
        """Seconds since the database was last found back (or since start); 0 while down."""
        with self._lock:
            if self._down_since is not None:
                return 0.0
            return self._monotonic() - self._up_since

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
                self.failed(name, exc)
                return None
            self.succeeded()
            return result

        return guarded

    def failed(self, name: str, exc: DBAPIError) -> None:
        """Note a call that could not reach the database; said once per outage."""
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

    def succeeded(self) -> None:
        """Note a call that reached the database; the end of an outage is said once."""
        with self._lock:
            since, self._down_since = self._down_since, None
            if since is not None:
                self._up_since = self._monotonic()
        if since is not None:
            log.info("database available again after %.0f s", self._monotonic() - since)
