"""Four workers drain a backlog of due messages (20,000 in `make test`; 100,000 with
FOLLOWUP_FAULTS_MESSAGES=100000, 331 s on a 2-core machine); one is killed with SIGKILL in
the middle of a batch, while the provider holds messages it accepted and the worker never
heard back about."""

from __future__ import annotations

import os

import pytest

from followup.core import clock
from followup.protocol import Protocol
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import wait_for
from tests.faults.conftest import (
    Fleet,
    claims_held_by,
    count_by_status,
    count_settled,
    expected_deliveries,
    seed_due_discharges,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]

# 20,000 keeps CI well inside its 30 minutes; the 100,000 run is in the issue note.
MESSAGES = int(os.environ.get("FOLLOWUP_FAULTS_MESSAGES", "20000"))
IN_FLIGHT = 8  # the victim's SMS concurrency: every sending thread ends up waiting on Twilio


def test_kill_9_mid_batch_each_message_still_goes_exactly_once(
    fleet: Fleet, fake: FakeTwilio, fault_protocol: tuple[object, Protocol]
) -> None:
    seed_due_discharges(fleet.engine, fault_protocol[1], MESSAGES, clock.now())
    survivors = [fleet.start() for _ in range(3)]
    victim = fleet.start(tag="victim")
    wait_for(lambda: fake.accepted >= min(2000, MESSAGES // 10), 300, "the fleet to get going")

    # From now on Twilio takes the victim's messages and never answers: each of its sending
    # threads blocks on one, holding the rest of its batch claimed.
    fake.accept_then_hang(IN_FLIGHT, seconds=600, tag="victim")
    wait_for(lambda: fake.hanging >= IN_FLIGHT, 120, "the victim to be waiting on Twilio")
    held = claims_held_by(fleet.engine, victim)
    victim.kill()
    accepted_unrecorded = fake.hung
    assert len(accepted_unrecorded) == IN_FLIGHT
    assert sum(row.in_flight for row in held) >= IN_FLIGHT
    assert len(held) > IN_FLIGHT  # the kill landed mid-batch: claimed, not yet tried, too

    wait_for(
        lambda: count_by_status(fleet.engine).get("sent", 0) == MESSAGES,
        1200,
        "every message recorded as sent",
        every=2,
    )
    log = fleet.stop_all()

    assert count_by_status(fleet.engine) == {"sent": MESSAGES}
    assert fake.deliveries() == expected_deliveries(fleet.engine)  # each exactly once
    assert len(fake.deliveries()) == MESSAGES
    settled, taken_over = count_settled(fleet.engine, accepted_unrecorded, [row.id for row in held])
    # What Twilio took from the dead worker is recorded under Twilio's own SID: found by the
    # lookup after the lease, not sent again.
    assert settled == IN_FLIGHT
    assert "found at the provider after an unanswered attempt" in log
    assert taken_over == len(held)  # the dead worker's whole batch, finished by the others
    assert all(worker.returncode == 0 for worker in survivors)
    assert "Traceback" not in log
