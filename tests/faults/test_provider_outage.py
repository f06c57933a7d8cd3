"""Twilio answers 429 (with Retry-After), 500 and 503 for a minute, then recovers."""

from __future__ import annotations

import pytest

from followup.core import clock
from followup.protocol import Protocol
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import wait_for
from tests.faults.conftest import Fleet, count_by_status, expected_deliveries, seed_due_discharges

pytestmark = [pytest.mark.faults, pytest.mark.slow]

MESSAGES = 2000
OUTAGE_SECONDS = 60
# With a 2 s base, a 20 s cap and jitter down to half, attempts at 0, 1, 3, 7, 15, 25, 35,
# 45 and 55 s are the most one message can make in a minute. A worker that ignored
# backoff would make one every dispatch tick (0.2 s): 300 a message.
MOST_ATTEMPTS_IN_OUTAGE = 9


def test_backlog_is_retried_with_backoff_through_an_outage_and_drains_after(
    fleet: Fleet, fake: FakeTwilio, fault_protocol: tuple[object, Protocol]
) -> None:
    fleet.settings.update(
        FOLLOWUP_DISPATCH_RETRY_BASE_SECONDS="2",
        FOLLOWUP_DISPATCH_RETRY_MAX_SECONDS="20",
        FOLLOWUP_DISPATCH_MAX_ATTEMPTS="20",
    )
    seed_due_discharges(fleet.engine, fault_protocol[1], MESSAGES, clock.now())
    fake.outage(OUTAGE_SECONDS, statuses=(429, 500, 503), retry_after=5)
    fleet.start()
    fleet.start()
    wait_for(
        lambda: count_by_status(fleet.engine).get("sent", 0) == MESSAGES,
        OUTAGE_SECONDS + 600,
        "the backlog to drain after the outage",
        every=1,
    )
    log = fleet.stop_all()

    assert fake.outage_requests > 0
    assert fake.outage_requests <= MESSAGES * MOST_ATTEMPTS_IN_OUTAGE  # not hammered
    assert count_by_status(fleet.engine) == {"sent": MESSAGES}  # none dead, none failed
    assert fake.deliveries() == expected_deliveries(fleet.engine)  # each exactly once
    assert "Traceback" not in log
