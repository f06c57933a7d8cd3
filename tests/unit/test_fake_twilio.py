"""FakeTwilio's measures that need no server: what the rate tests read off its arrivals."""

from __future__ import annotations

from followup.testing.fake_twilio import most_in_window


def test_the_busiest_window_counts_what_arrived_within_its_length() -> None:
    assert most_in_window([], 1.0) == 0
    assert most_in_window([0.0, 0.5, 0.99, 1.0, 1.2, 5.0], 1.0) == 4  # 0.5 to 1.2
    assert most_in_window([0.0, 1.0, 2.0], 1.0) == 1  # a window is [t, t + 1)
    assert most_in_window([3.0, 0.0, 2.5, 2.9, 0.1], 1.0) == 3  # in any order
