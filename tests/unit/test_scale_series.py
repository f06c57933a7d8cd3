"""Administrations grouped per instrument and series, and the words staff read for them."""

from __future__ import annotations

from followup.instruments.records import COMPLETED, IN_PROGRESS, STOPPED, Administration
from followup.web.scale_series import (
    by_instrument,
    crisis_answers,
    item_answers,
    latest_line,
    result_text,
    signed,
)
from tests.unit.scale_data import (
    EIGHT,
    GAD7,
    NINETEEN,
    PHQ9,
    PROTOCOL,
    SERIES_START,
    TWELVE,
    day,
    taken,
)


def test_instruments_come_in_the_protocols_order_and_only_those_with_answers() -> None:
    gad = taken(day(2), (1,) * 7, instrument="gad7")
    assert [s.key for s in by_instrument(PROTOCOL.instruments, [gad])] == ["gad7"]
    found = by_instrument(PROTOCOL.instruments, [gad, taken(day(3), EIGHT)])
    assert [s.key for s in found] == ["phq9", "gad7"]
    assert by_instrument(PROTOCOL.instruments, []) == []


def test_each_series_is_summarised_from_its_own_first_and_last_total() -> None:
    later = ("depression", day(20))
    first, middle, last = taken(day(2), NINETEEN), taken(day(9), TWELVE), taken(day(16), EIGHT)
    stray = taken(day(18), TWELVE, series=None)
    again = taken(day(21), TWELVE, series=later)
    [phq] = by_instrument(PROTOCOL.instruments, [again, last, stray, first, middle])
    one, two, outside = phq.series
    assert (one.started_at, one.treatment) == (SERIES_START, "depression")
    assert one.administrations == (first, middle, last)
    assert (one.baseline, one.latest) == (first, last)
    assert one.summary is not None and one.summary.change == -11 and one.summary.response
    assert two.baseline == two.latest == again and two.summary and two.summary.count == 1
    # Not tied to a series: listed and charted, never compared with a baseline.
    assert outside.treatment is None and outside.summary is None and outside.baseline is None
    assert phq.baselines == {first.id, again.id}
    assert phq.administrations == [first, middle, last, stray, again]


def test_an_unscored_first_answer_is_not_the_baseline() -> None:
    stopped = taken(day(1), (1, 2) + (None,) * 7, status=STOPPED)
    [phq] = by_instrument(PROTOCOL.instruments, [stopped, taken(day(2), NINETEEN)])
    [series] = phq.series
    assert series.baseline is not None and series.baseline.score.total == 19


def test_result_text_names_the_total_and_band_or_why_there_is_none() -> None:
    assert result_text(taken(day(2), NINETEEN)) == "19, moderately severe"
    prorated = taken(day(2), (None, *TWELVE[1:]), unreadable=[0])
    assert result_text(prorated) == "11, moderate (prorated from 8 of 9 items)"
    stopped = taken(day(2), (1, 2, 0, 1) + (None,) * 5, status=STOPPED)
    assert result_text(stopped) == "stopped after 4 of 9"
    unreadable = taken(day(2), (1,) * 5 + (None,) * 4, status=COMPLETED, unreadable=[5, 6, 7, 8])
    assert result_text(unreadable) == "not scored: 5 of 9 answered, 4 unreadable"
    asking = taken(day(2), (1, 1) + (None,) * 7, status=IN_PROGRESS)
    assert result_text(asking) == "in progress: 2 of 9 answered"


def test_item_answers_give_the_wording_and_the_answer_in_words() -> None:
    given = taken(day(2), (2, None, *EIGHT[2:]), unreadable=[1])
    answers = item_answers(PHQ9, given)
    assert len(answers) == 9
    assert answers[0] == (PHQ9.items[0].text["en"], "2 (more than half the days)")
    assert answers[1] == (PHQ9.items[1].text["en"], "unreadable")
    asking = taken(day(2), (1,) + (None,) * 8, status=IN_PROGRESS)
    assert item_answers(PHQ9, asking)[1][1] == "not answered"


def test_an_item_9_answer_above_zero_is_named_beside_the_result() -> None:
    assert crisis_answers(PHQ9, taken(day(2), NINETEEN)) == ["item 9: 1 (several days)"]
    assert crisis_answers(PHQ9, taken(day(2), EIGHT)) == []
    asking = taken(day(2), (None,) * 8 + (3,), status=IN_PROGRESS)
    assert crisis_answers(PHQ9, asking) == ["item 9: 3 (nearly every day)"]
    assert crisis_answers(GAD7, taken(day(2), (3,) * 7, instrument="gad7")) == []


def test_the_today_line_gives_the_latest_total_band_and_change_from_baseline() -> None:
    def line(*given: Administration) -> str | None:
        [scores] = by_instrument(PROTOCOL.instruments, given)
        return latest_line(scores)

    assert line(taken(day(2), NINETEEN), taken(day(9), TWELVE)) == (
        "PHQ-9 12, moderate, \u22127 from baseline"
    )
    assert (
        line(taken(day(2), EIGHT), taken(day(9), TWELVE)) == "PHQ-9 12, moderate, +4 from baseline"
    )
    assert line(taken(day(2), NINETEEN)) == "PHQ-9 19, moderately severe, the series' baseline"
    # A later answer without a total does not hide the last one that had one.
    stopped = taken(day(12), (1,) + (None,) * 8, status=STOPPED)
    assert line(taken(day(2), NINETEEN), taken(day(9), NINETEEN), stopped) == (
        "PHQ-9 19, moderately severe, no change from baseline"
    )
    assert line(stopped) is None
    assert line(taken(day(2), EIGHT, series=None)) == "PHQ-9 8, mild"


def test_signed_uses_a_real_minus_sign() -> None:
    assert (signed(3), signed(0), signed(-7)) == ("+3", "0", "\u22127")
