"""The token bucket's arithmetic: what a sender's shared limit lets through, by the rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from followup.dispatch.rate import BURST_SECONDS, Bucket, capacity_for, take

rates = st.floats(min_value=0.05, max_value=2000, allow_nan=False, allow_infinity=False)
gaps = st.floats(min_value=0, max_value=5, allow_nan=False, allow_infinity=False)
# Each step: how long after the last take the next one comes, and how many it asks for.
steps = st.lists(st.tuples(gaps, st.integers(0, 5000)), min_size=1, max_size=40)


def run(rate: float, plan: list[tuple[float, int]]) -> list[tuple[float, int, float]]:
    """Takes at the planned moments from a bucket full at 0: (time, taken, tokens after)."""
    capacity = capacity_for(rate)
    bucket, now, log = Bucket(capacity, 0.0), 0.0, []
    for gap, want in plan:
        now += gap
        taken, bucket = take(bucket, now, want, rate, capacity)
        log.append((now, taken, bucket.tokens))
    return log


@given(rate=rates, plan=steps)
def test_no_window_lets_more_through_than_the_burst_and_the_rate_over_its_length(
    rate: float, plan: list[tuple[float, int]]
) -> None:
    capacity = capacity_for(rate)
    log = run(rate, plan)
    for first in range(len(log)):
        for last in range(first, len(log)):
            taken = sum(n for _at, n, _left in log[first : last + 1])
            window = log[last][0] - log[first][0]
            assert taken <= capacity + rate * window + 1e-6 * (1 + rate * window)


@given(rate=rates, plan=steps)
def test_a_take_gets_no_more_than_it_asked_and_leaves_the_bucket_between_empty_and_full(
    rate: float, plan: list[tuple[float, int]]
) -> None:
    capacity = capacity_for(rate)
    for (_gap, want), (_at, taken, left) in zip(plan, run(rate, plan), strict=True):
        assert 0 <= taken <= want
        assert 0 <= left <= capacity


@given(
    rate=rates,
    tokens=st.floats(min_value=0, max_value=10, allow_nan=False),
    behind=st.floats(min_value=0, max_value=3600, allow_nan=False),
    want=st.integers(0, 50),
)
def test_a_clock_behind_the_bucket_adds_nothing_and_does_not_move_it_back(
    rate: float, tokens: float, behind: float, want: int
) -> None:
    bucket = Bucket(tokens=min(tokens, capacity_for(rate)), at=1_000_000.0)
    taken, after = take(bucket, bucket.at - behind, want, rate, capacity_for(rate))
    assert taken == min(want, int(bucket.tokens))
    assert after == Bucket(bucket.tokens - taken, bucket.at)


@given(
    rate=st.floats(min_value=2, max_value=2000, allow_nan=False),
    fractions=st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=40),
)
def test_takers_asking_often_enough_get_every_token_the_rate_makes(
    rate: float, fractions: list[float]
) -> None:
    """Nothing is lost to the cap while someone asks before the bucket could fill up."""
    capacity = capacity_for(rate)
    longest = (capacity - 1) / rate  # a bucket left with under 1 token is not full before
    # The first take empties the full bucket; each later one comes before it fills again.
    plan = [(0.0, 10**9)] + [(fraction * longest, 10**9) for fraction in fractions]
    log = run(rate, plan)
    elapsed = log[-1][0]
    assert sum(n for _at, n, _left in log) > capacity + rate * elapsed - 1 - 1e-6 * rate * elapsed


def test_a_bucket_holds_one_second_of_its_rate_and_at_least_one_message() -> None:
    assert BURST_SECONDS == 1.0
    assert [capacity_for(rate) for rate in (0.2, 1, 5, 1000)] == [1, 1, 5, 1000]


def test_a_full_bucket_lets_its_burst_go_then_one_token_per_interval() -> None:
    rate, capacity = 5.0, capacity_for(5.0)
    taken, bucket = take(Bucket(capacity, 0.0), 0.0, 100, rate, capacity)
    assert taken == 5
    assert take(bucket, 0.1, 100, rate, capacity)[0] == 0
    assert take(bucket, 0.2, 100, rate, capacity)[0] == 1
    assert take(bucket, 3600.0, 100, rate, capacity)[0] == 5  # an hour's quiet: still 5
