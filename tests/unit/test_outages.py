"""A periodic job outlives a database outage, says so once, and still fails loudly on bugs."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from followup.ops.outages import OutageGuard


class Refused(Exception):
    """What a driver raises when nothing listens on the database port."""


def unreachable() -> OperationalError:
    return OperationalError("SELECT 1", {}, Refused("connection refused"))


def test_outage_is_logged_once_and_recovery_once(caplog: pytest.LogCaptureFixture) -> None:
    answers: list[object] = [unreachable(), unreachable(), unreachable(), "ok"]

    def job() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return str(answer)

    guarded = OutageGuard().wrap(job, "dispatch")
    with caplog.at_level(logging.INFO, logger="followup.ops.outages"):
        results = [guarded() for _ in range(4)]
    assert results == [None, None, None, "ok"]
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert len(lines) == 2
    assert lines[0].startswith("database unavailable (Refused in dispatch: connection refused)")
    assert lines[1].startswith("database available again after")


def test_a_query_that_is_wrong_is_not_mistaken_for_an_outage() -> None:
    def job() -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    with pytest.raises(IntegrityError):
        OutageGuard().wrap(job, "alerts")()


def test_one_guard_reports_one_outage_for_every_job(caplog: pytest.LogCaptureFixture) -> None:
    guard = OutageGuard()

    def down() -> None:
        raise unreachable()

    with caplog.at_level(logging.INFO, logger="followup.ops.outages"):
        guard.wrap(down, "dispatch")()
        guard.wrap(down, "alerts")()
    assert guard.down
    assert sum("database unavailable" in r.getMessage() for r in caplog.records) == 1
