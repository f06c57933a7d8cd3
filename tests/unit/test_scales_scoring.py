"""Scoring the PHQ-9 and GAD-7 as their manuals say, and judging a series by them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followup.core.errors import ProtocolError
from followup.instruments.scoring import score
from followup.instruments.series import Taken, summarize
from followup.protocol import load_protocol, parse_protocol
from tests.conftest import ROOT

SHIPPED = (ROOT / "config" / "protocol.toml").read_text()
PROTOCOL = load_protocol(ROOT / "config" / "protocol.toml")
PHQ9, GAD7 = PROTOCOL.instruments["phq9"], PROTOCOL.instruments["gad7"]
T0 = datetime(2026, 3, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
     (14, "moderate"), (15, "moderately severe"), (19, "moderately severe"), (20, "severe"),
     (27, "severe")],
)  # fmt: skip
def test_phq9_bands_are_the_published_cut_points(total: int, band: str) -> None:
    assert PHQ9.band_for(total).label["en"] == band


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
     (14, "moderate"), (15, "severe"), (21, "severe")],
)  # fmt: skip
def test_gad7_bands_are_the_published_cut_points(total: int, band: str) -> None:
    assert GAD7.band_for(total).label["en"] == band


def test_a_complete_phq9_is_the_sum_of_its_items() -> None:
    result = score(PHQ9, [1, 2, 0, 3, 1, 1, 0, 2, 0])
    assert (result.total, result.band and result.band.label["en"]) == (10, "moderate")
    assert result.complete and not result.prorated


def test_one_or_two_missing_items_are_prorated_from_the_answered_mean() -> None:
    # 8 answered, sum 14: 14 / 8 * 9 = 15.75, rounded to 16 (not 14, which reads milder).
    result = score(PHQ9, [2, 2, 2, 2, 2, 2, 1, 1, None])
    assert (result.total, result.prorated, result.answered) == (16, True, 8)
    assert result.band is not None and result.band.label["en"] == "moderately severe"
    # Half up: 7 answered summing 7 -> 9.0; summing 11 -> 14.14 -> 14; 3.5 rounds to 4.
    assert score(PHQ9, [1] * 7 + [None, None]).total == 9
    assert score(GAD7, [1, 1, 1, 0, 0, None, None]).total == 4  # 3/5*7 = 4.2


def test_more_than_two_missing_items_give_no_total_rather_than_a_milder_one() -> None:
    result = score(PHQ9, [3, 3, 3, 3, 3, 3, None, None, None])
    assert result.total is None and result.band is None and result.answered == 6
    assert score(GAD7, [None] * 7).total is None


def test_answers_off_the_scale_or_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(ValueError):
        score(PHQ9, [4, 0, 0, 0, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError):
        score(PHQ9, [0] * 7)


@given(st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=9, max_size=9))
def test_any_total_lies_in_its_band_and_within_the_scale(answers: list[int | None]) -> None:
    result = score(PHQ9, answers)
    if result.total is None:
        assert answers.count(None) > PHQ9.max_missing
        return
    assert 0 <= result.total <= 27
    assert result.band is not None and result.band.min <= result.total <= result.band.max
    answered = [a for a in answers if a is not None]
    # Prorating never gives less than the answered sum, nor more than the items allow.
    assert sum(answered) <= result.total <= sum(answered) + 3 * answers.count(None)


def taken(*totals: int) -> list[Taken]:
    return [Taken(T0 + timedelta(days=7 * n), total) for n, total in enumerate(totals)]


def test_a_drop_of_half_from_baseline_is_a_response_and_under_5_a_remission() -> None:
    summary = summarize(PHQ9, taken(20, 14, 9))
    assert summary is not None
    assert (summary.baseline.total, summary.latest.total, summary.change) == (20, 9, -11)
    assert summary.percent_change == -55 and summary.response and not summary.remission
    remitted = summarize(PHQ9, taken(18, 4))
    assert remitted is not None and remitted.response and remitted.remission


def test_a_drop_short_of_half_is_no_response_and_one_score_says_nothing_yet() -> None:
    partial = summarize(PHQ9, taken(20, 11))
    assert partial is not None and partial.response is False and partial.remission is False
    only = summarize(PHQ9, taken(20))
    assert only is not None and (only.response, only.remission) == (None, None)
    assert summarize(PHQ9, []) is None


def test_the_baseline_is_the_earliest_score_whatever_the_order_given() -> None:
    summary = summarize(GAD7, list(reversed(taken(15, 10, 6))))
    assert summary is not None and summary.baseline.total == 15 and summary.latest.total == 6


def broken(old: str, new: str) -> str:
    assert old in SHIPPED
    return SHIPPED.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("min = 5\nmax = 9\nlabel.en = \"mild\"", "min = 6\nmax = 9\nlabel.en = \"mild\"",
         "instruments.phq9: bands[1]: should start at 5"),
        ("max = 27", "max = 26", "instruments.phq9: bands: the last band should end at 27"),
        ('crisis_item = "self_harm"', 'crisis_item = "self_harn"',
         "crisis_item: 'self_harn' is not one of the item keys"),
        ('key = "sleep"', 'key = "interest"', "item key 'interest' appears twice"),
        ('loinc = "44250-9"', 'loinc = "44250"', "instruments.phq9.items[0].loinc"),
        ('instrument = ["phq9", "gad7"]\nfirst_of_series_only', 'instrument = ["phq9", "gad8"]\nfirst_of_series_only',
         "instrument: no instrument 'gad8' is defined under [instruments] (defined: gad7, phq9)"),
        ("max_missing = 2\n# Item 9", "max_missing = 9\n# Item 9",
         "max_missing: must be fewer than the 9 items"),
    ],
)  # fmt: skip
def test_a_broken_instrument_is_refused_at_start_up_naming_the_key(
    old: str, new: str, message: str
) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(broken(old, new))
    assert message in str(caught.value)
