"""A rating-scale conversation, turn by turn: what each reply answers and what we say next."""

from __future__ import annotations

from followup.instruments.asking import ItemAnswer, Position, answer, item_prompt, opening
from followup.protocol import load_protocol
from tests.conftest import ROOT

PROTOCOL = load_protocol(ROOT / "config" / "protocol.toml")
BOTH = PROTOCOL.instrument_sequence("phq9+gad7") or ()
PHQ9 = PROTOCOL.instrument_sequence("phq9") or ()
GAD7 = PROTOCOL.instruments["gad7"]


def values(turn_answers: tuple[ItemAnswer, ...]) -> list[tuple[str, int, int | None]]:
    return [(a.instrument, a.item, a.value) for a in turn_answers]


def test_the_opening_gives_the_look_back_every_answer_and_the_first_item() -> None:
    text = opening(BOTH, "en")
    assert text.startswith("Over the last 2 weeks, how often have you been bothered")
    for said in ("0 = not at all", "1 = several days", "2 = more than half the days"):
        assert said in text
    assert text.endswith("1/9: Little interest or pleasure in doing things")
    assert "PHQ" not in text  # no SMS names the questionnaire
    assert opening(BOTH, "es-MX").endswith("1/9: Poco interés o placer en hacer las cosas")
    assert opening(BOTH, "de") == text  # unknown languages read English


def test_a_later_item_repeats_the_look_back_and_the_scale_in_short() -> None:
    assert item_prompt(GAD7, 3, "en", full=False) == (
        "4/7 (over the last 2 weeks): Trouble relaxing. Reply 0 to 3."
    )


def test_one_answer_moves_to_the_next_item() -> None:
    turn = answer(PHQ9, Position(0), "2", "en")
    assert values(turn.answers) == [("phq9", 0, 2)]
    assert turn.next == Position(1) and turn.reply.startswith("2/9 (over the last 2 weeks)")


def test_the_rest_of_an_instrument_at_once_finishes_it_and_starts_the_next() -> None:
    turn = answer(BOTH, Position(6), "1 0 0", "en")
    assert values(turn.answers) == [("phq9", 6, 1), ("phq9", 7, 0), ("phq9", 8, 0)]
    assert turn.next == Position(9)
    assert turn.reply.startswith("Thank you. 7 more questions.")
    assert turn.reply.endswith("1/7: Feeling nervous, anxious, or on edge")


def test_all_nine_again_mid_way_answers_the_whole_instrument_afresh() -> None:
    turn = answer(PHQ9, Position(4), "0 0 0 0 0 0 0 0 0", "en")
    assert [a.item for a in turn.answers] == list(range(9)) and turn.next is None


def test_everything_left_across_both_instruments_in_one_reply() -> None:
    turn = answer(BOTH, Position(0), "1 1 1 1 1 1 1 1 0 2 2 2 2 2 2 2", "en")
    assert len(turn.answers) == 16 and turn.answers[-1] == ItemAnswer("gad7", 6, 2)
    assert turn.next is None and turn.reply.startswith("Thank you")


def test_an_unexpected_count_says_what_it_counted_and_asks_again() -> None:
    turn = answer(PHQ9, Position(0), "1 2 0 3", "en")
    assert not turn.understood and turn.answers == () and turn.next == Position(0, True)
    assert turn.reply.startswith("I counted 4 answers; send one answer, or all 9 in order.")


def test_a_second_unreadable_reply_marks_the_item_and_moves_on() -> None:
    first = answer(PHQ9, Position(2), "what?", "es")
    assert first.reply.startswith("Perdone, no entendí su respuesta.")
    assert "0 = ningún día" in first.reply and first.next == Position(2, True)
    second = answer(PHQ9, Position(2, True), "no sé", "es")
    assert values(second.answers) == [("phq9", 2, None)]
    assert not second.understood and second.next == Position(3)


def test_skip_leaves_the_item_unanswered_and_only_a_skipped_item_9_goes_to_a_person() -> None:
    turn = answer(PHQ9, Position(3), "skip", "en")
    assert values(turn.answers) == [("phq9", 3, None)] and turn.understood
    assert not turn.remark and turn.next == Position(4)
    assert answer(PHQ9, Position(8), "skip", "en").remark


def test_any_item_9_answer_above_zero_is_a_crisis_and_ends_the_conversation() -> None:
    for value in (1, 2, 3):
        turn = answer(BOTH, Position(8), str(value), "en")
        assert turn.crisis == (ItemAnswer("phq9", 8, value),) and turn.next is None
    quiet = answer(BOTH, Position(8), "0", "en")
    assert quiet.crisis == () and quiet.next == Position(9)
    within = answer(BOTH, Position(0), "0 0 0 0 0 0 0 0 2", "en")
    assert within.crisis == (ItemAnswer("phq9", 8, 2),) and len(within.answers) == 9


def test_the_gad7_has_no_crisis_item() -> None:
    gad = PROTOCOL.instrument_sequence("gad7") or ()
    assert answer(gad, Position(0), "3 3 3 3 3 3 3", "en").crisis == ()
