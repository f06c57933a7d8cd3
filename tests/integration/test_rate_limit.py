"""A sender's shared token bucket on a real database: one statement per take, by its clock."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, text

from followup.dispatch.rate import MIN_WAIT, SharedLimit

SENDER = "twilio:+14025550100"


def set_bucket(engine: Engine, sender: str, tokens: float, seconds_ago: float) -> None:
    """Leave `tokens` in the bucket, last refilled `seconds_ago` by the database's clock."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE sender_bucket SET tokens = :tokens,"
                " refilled_at = refilled_at - :ago WHERE sender = :sender"
            ),
            {"tokens": tokens, "ago": seconds_ago, "sender": sender},
        )


def test_a_new_sender_starts_with_a_full_bucket_and_what_is_beyond_it_waits(
    engine: Engine,
) -> None:
    limit = SharedLimit(engine, SENDER, rate=2)
    first = limit.take(10)
    second = limit.take(10)

    assert first.tokens == 2  # the burst: one second of the rate
    assert second.tokens == 0
    # Half a second until the next token, give or take the jitter that spreads workers.
    assert 0.4 <= second.wait <= 0.5 * 1.5 + 0.01


def test_a_take_asks_for_what_it_needs_and_leaves_the_rest_for_others(engine: Engine) -> None:
    limit = SharedLimit(engine, SENDER, rate=10)
    assert limit.take(3).tokens == 3
    assert limit.take(100).tokens == 7


def test_the_bucket_refills_at_the_rate_by_the_databases_clock(engine: Engine) -> None:
    limit = SharedLimit(engine, SENDER, rate=2)
    limit.take(10)
    set_bucket(engine, SENDER, tokens=0.5, seconds_ago=1.5)
    assert limit.take(10).tokens == 2  # 0.5 left + 1.5 s at 2 a second: 3.5, capped at 2
    set_bucket(engine, SENDER, tokens=0.5, seconds_ago=0.5)
    assert limit.take(10).tokens == 1  # 0.5 + 1, and half a token stays
    assert limit.take(10).tokens == 0


def test_each_sender_has_a_bucket_of_its_own(engine: Engine) -> None:
    sms, email = SharedLimit(engine, SENDER, 1), SharedLimit(engine, "smtp:mail:587", 1)
    assert sms.take(5).tokens == 1
    assert email.take(5).tokens == 1
    assert sms.take(5).tokens == 0


def test_an_empty_bucket_under_a_high_limit_is_not_asked_again_at_once(engine: Engine) -> None:
    limit = SharedLimit(engine, SENDER, rate=10_000)
    assert limit.take(20_000).tokens == 10_000
    grant = limit.take(20_000)
    assert grant.tokens > 0 or grant.wait >= MIN_WAIT


@pytest.mark.slow
def test_workers_taking_at_once_never_get_more_than_the_burst_and_the_rate_between_them(
    engine: Engine,
) -> None:
    """Eight takers on one row for two seconds: what they got together is what one bucket allows."""
    rate, seconds = 20.0, 2.0
    got: list[int] = []
    lock = threading.Lock()

    def taker() -> None:
        limit = SharedLimit(engine, SENDER, rate)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            grant = limit.take(3)
            with lock:
                got.append(grant.tokens)
            time.sleep(0.005)  # no waiting for the refill: as eager as a taker can be

    SharedLimit(engine, SENDER, rate).take(0)  # the row exists and the bucket is full
    started = time.monotonic()
    threads = [threading.Thread(target=taker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    assert sum(got) <= rate + rate * elapsed + 1  # the burst, then the rate
    assert sum(got) >= rate + rate * seconds * 0.5  # and the rate is really handed out
    assert got.count(0) > 0  # they did find it empty
