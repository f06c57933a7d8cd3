"""One rate limit per sender, not per worker: four `followup worker` processes sending as
one Twilio number keep to its limit between them (issue 14), a high limit does not hold
them back, and a worker killed while it holds tokens loses nothing and sends nothing twice.

The issue's own figures (1,000 messages at 5 a second, 200 s) are in
`benchmarks/bench_rate_limit.py`; here 100 messages take about 20 s.
"""

from __future__ import annotations

import re

import pytest

from followup.core import clock
from followup.dispatch.rate import capacity_for
from followup.protocol import Protocol
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import FollowupProcess, wait_for
from tests.faults.conftest import (
    Fleet,
    claims_held_by,
    count_by_status,
    count_settled,
    expected_deliveries,
    seed_due_discharges,
    token_statements,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]

WORKERS = 4
RATE = 5  # messages a second for the clinic's number, all workers together
BURST = capacity_for(RATE)  # what a full bucket lets go at once: one second of the rate
MESSAGES = 100


def limited(fleet: Fleet, rate: float) -> None:
    """Every worker sends as the same number at `rate`; batches of 10, so all four take part
    (a batch of a low rate's five seconds, 50, would leave two of them nothing to send)."""
    fleet.settings.update(FOLLOWUP_SMS_RATE_PER_SECOND=str(rate), FOLLOWUP_DISPATCH_BATCH_SIZE="10")


def claimed_by(worker: FollowupProcess) -> int:
    """How many messages a worker claimed, from its log's dispatch summaries."""
    return sum(int(n) for n in re.findall(r"dispatch: (\d+) claimed", worker.log()))


def test_four_workers_sending_as_one_number_keep_to_its_rate_between_them(
    fleet: Fleet, fake: FakeTwilio, fault_protocol: tuple[object, Protocol]
) -> None:
    limited(fleet, RATE)
    seed_due_discharges(fleet.engine, fault_protocol[1], MESSAGES, clock.now())
    workers = [fleet.start() for _ in range(WORKERS)]
    wait_for(
        lambda: count_by_status(fleet.engine).get("sent", 0) == MESSAGES,
        180,
        "every message recorded as sent",
        every=1,
    )
    log = fleet.stop_all()

    assert count_by_status(fleet.engine) == {"sent": MESSAGES}
    assert fake.deliveries() == expected_deliveries(fleet.engine)  # each exactly once
    # Per worker, each would have sent 5 a second: 20 in a second, the whole run in 5 s.
    assert fake.most_in_any(1.0) <= RATE + BURST
    arrivals = fake.arrivals
    assert max(arrivals) - min(arrivals) >= (MESSAGES - BURST) / RATE * 0.95
    assert all(claimed_by(worker) > 0 for worker in workers)  # all four shared the number
    assert "Traceback" not in log


def test_a_high_limit_does_not_hold_the_workers_back(
    fleet: Fleet, fake: FakeTwilio, fault_protocol: tuple[object, Protocol]
) -> None:
    """Tokens come one statement per batch, not per message, so the bucket is no bottleneck."""
    messages = 2000
    fleet.settings.update(FOLLOWUP_SMS_RATE_PER_SECOND="1000")
    seed_due_discharges(fleet.engine, fault_protocol[1], messages, clock.now())
    for _ in range(WORKERS):
        fleet.start()
    wait_for(
        lambda: count_by_status(fleet.engine).get("sent", 0) == messages,
        300,
        "every message recorded as sent",
        every=1,
    )
    log = fleet.stop_all()

    assert count_by_status(fleet.engine) == {"sent": messages}
    assert fake.deliveries() == expected_deliveries(fleet.engine)
    # Batches of 200: about ten takes in all. One a message would be 2,000.
    statements = token_statements(fleet.engine)
    assert 0 < statements <= messages // 20
    # Far above what the low limit lets through: nothing but the machine held them back.
    assert fake.most_in_any(1.0) > 4 * (RATE + BURST)
    assert "Traceback" not in log


def test_kill_9_under_the_shared_limit_each_message_still_goes_exactly_once(
    fleet: Fleet, fake: FakeTwilio, fault_protocol: tuple[object, Protocol]
) -> None:
    """A worker dies holding claims, messages Twilio took unanswered, and tokens: the
    claims return after the lease, the messages are found at Twilio, the tokens are lost
    (which only costs time)."""
    messages, hung = 80, 2
    limited(fleet, RATE)
    seed_due_discharges(fleet.engine, fault_protocol[1], messages, clock.now())
    survivors = [fleet.start() for _ in range(WORKERS - 1)]
    victim = fleet.start(tag="victim")
    wait_for(lambda: fake.accepted >= 10, 120, "the fleet to get going")

    fake.accept_then_hang(hung, seconds=600, tag="victim")
    wait_for(lambda: fake.hanging >= hung, 120, "the victim to be waiting on Twilio")
    held = claims_held_by(fleet.engine, victim)
    victim.kill()
    accepted_unrecorded = fake.hung
    assert len(accepted_unrecorded) == hung
    assert sum(row.in_flight for row in held) >= hung
    assert len(held) > hung  # it died with more of its batch still to send

    wait_for(
        lambda: count_by_status(fleet.engine).get("sent", 0) == messages,
        300,
        "every message recorded as sent",
        every=1,
    )
    log = fleet.stop_all()

    assert count_by_status(fleet.engine) == {"sent": messages}
    assert fake.deliveries() == expected_deliveries(fleet.engine)  # each exactly once
    settled, taken_over = count_settled(fleet.engine, accepted_unrecorded, [row.id for row in held])
    assert settled == hung  # found at Twilio after the lease, not sent again
    assert taken_over == len(held)
    assert "found at the provider after an unanswered attempt" in log
    assert fake.most_in_any(1.0) <= RATE + BURST  # the survivors kept to the rate too
    assert all(worker.returncode == 0 for worker in survivors)
    assert "Traceback" not in log
