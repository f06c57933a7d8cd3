"""PostgreSQL goes away under a worker that is sending, and comes back some seconds later."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from followup.core import clock
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.protocol import Protocol
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.postgres import TemporaryPostgres
from followup.testing.processes import wait_for
from tests.conftest import require_postgres_binaries
from tests.faults.conftest import (
    Fleet,
    count_by_status,
    expected_deliveries,
    fleet_on,
    seed_due_discharges,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]

MESSAGES = 3000
DOWN_SECONDS = 6


@pytest.fixture
def own_postgres() -> Iterator[TemporaryPostgres]:
    """A server of this test's own: stopping the session's would break other tests."""
    require_postgres_binaries()
    with TemporaryPostgres() as server:
        engine = make_engine(server.url())
        upgrade(engine)
        engine.dispose()
        yield server


def test_worker_waits_out_a_database_restart_and_carries_on(
    own_postgres: TemporaryPostgres,
    tmp_path: Path,
    fake: FakeTwilio,
    fault_protocol: tuple[Path, Protocol],
) -> None:
    # A modest rate, so the restart lands while the backlog is being sent.
    fleet: Fleet = fleet_on(
        own_postgres.url(),
        tmp_path,
        fake,
        fault_protocol[0],
        FOLLOWUP_SMS_RATE_PER_SECOND="150",
    )
    seed_due_discharges(fleet.engine, fault_protocol[1], MESSAGES, clock.now())
    worker = fleet.start()
    try:
        wait_for(lambda: fake.accepted >= 300, 120, "sending to be under way")
        fleet.engine.dispose()
        own_postgres.stop_server()
        time.sleep(DOWN_SECONDS)
        assert fake.accepted < MESSAGES  # the outage hit mid-backlog
        own_postgres.start_server()
        wait_for(
            lambda: count_by_status(fleet.engine).get("sent", 0) == MESSAGES,
            600,
            "every message recorded as sent after the restart",
            every=1,
        )
        assert worker.returncode is None  # it never exited
        log = fleet.stop_all()

        assert count_by_status(fleet.engine) == {"sent": MESSAGES}
        assert fake.deliveries() == expected_deliveries(fleet.engine)  # each exactly once
        # One clear line when it went away and one when it came back, not one per tick.
        assert log.count("database unavailable") == 1, log[-5000:]
        assert "database available again" in log
        assert "apscheduler" not in log.lower()  # no job crashed with a traceback
    finally:
        for running in fleet.workers:
            if running.returncode is None:
                running.kill()
        fleet.engine.dispose()
