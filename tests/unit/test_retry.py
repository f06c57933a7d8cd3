from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from followup.dispatch.retry import RetryPolicy

POLICY = RetryPolicy(max_attempts=8, base=timedelta(seconds=30), cap=timedelta(hours=1))


def test_backoff_doubles_from_the_base_with_jitter() -> None:
    rng = random.Random(7)
    delays = [POLICY.next_delay(n, rng=rng) for n in range(1, 6)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = timedelta(seconds=30 * 2 ** (attempt - 1))
        assert delay is not None and ceiling / 2 <= delay <= ceiling


def test_attempts_used_up_means_no_more_retries() -> None:
    assert POLICY.next_delay(8) is None


def test_retry_after_from_the_provider_is_respected() -> None:
    assert POLICY.next_delay(1, retry_after=120, rng=random.Random(1)) == timedelta(seconds=120)


@given(attempts=st.integers(0, 7), seed=st.integers(0, 10_000))
def test_delay_never_exceeds_the_cap(attempts: int, seed: int) -> None:
    delay = POLICY.next_delay(attempts, rng=random.Random(seed))
    assert delay is not None and timedelta(0) < delay <= POLICY.cap
