"""Replies to a rating-scale item read as answers: numbers, words, lists, both languages;
anything unclear is None, so the patient is asked again instead of scored on a guess."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followup.instruments.reading import is_skip, read_answers
from followup.protocol import load_protocol
from tests.conftest import ROOT

OPTIONS = load_protocol(ROOT / "config" / "protocol.toml").instruments["phq9"].options
NINE = {1, 9}


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("2", (2,)),
        (" 0 ", (0,)),
        ("3.", (3,)),
        ("1 2 0 3 1 1 0 2 0", (1, 2, 0, 3, 1, 1, 0, 2, 0)),
        ("1,2,0,3,1,1,0,2,0", (1, 2, 0, 3, 1, 1, 0, 2, 0)),
        ("1, 2, 0, 3, 1, 1, 0, 2, 0.", (1, 2, 0, 3, 1, 1, 0, 2, 0)),
        ("1-2-0-3-1-1-0-2-0", (1, 2, 0, 3, 1, 1, 0, 2, 0)),
        ("1\n2\n0\n3\n1\n1\n0\n2\n0", (1, 2, 0, 3, 1, 1, 0, 2, 0)),
        ("120311020", (1, 2, 0, 3, 1, 1, 0, 2, 0)),
        ("1) 2 2) 0 3) 1 4) 0 5) 0 6) 1 7) 2 8) 0 9) 3", (2, 0, 1, 0, 0, 1, 2, 0, 3)),
        (
            "Q1: 1, Q2: 2, Q3: 0, Q4: 1, Q5: 1, Q6: 0, Q7: 3, Q8: 0, Q9: 0",
            (1, 2, 0, 1, 1, 0, 3, 0, 0),
        ),
        ("several days", (1,)),
        ("Several Days!", (1,)),
        ("not at all", (0,)),
        ("more than half the days", (2,)),
        ("nearly every day", (3,)),
        ("every day", (3,)),
        ("most days", (2,)),
        ("never", (0,)),
        ("para nada", (0,)),
        ("2 - more than half the days", (2,)),
        ("several days (1)", (1,)),
        ("my answer is 3, thanks", (3,)),
        ("two", (2,)),
        ("\uff11", (1,)),  # a fullwidth 1
        # Spanish, with and without accents.
        ("varios días", (1,)),
        ("varios dias", (1,)),
        ("ningún día", (0,)),
        ("más de la mitad de los días", (2,)),
        ("casi todos los días", (3,)),
        ("todos los días", (3,)),
        ("a veces", (1,)),
        ("tres", (3,)),
        (
            "several days, not at all, nearly every day, 0, 0, 1, 2, every day, not at all",
            (1, 0, 3, 0, 0, 1, 2, 3, 0),
        ),
    ],
)
def test_answers_in_numbers_and_words_read_in_order(text: str, values: tuple[int, ...]) -> None:
    reading = read_answers(text, OPTIONS, NINE)
    assert reading is not None and reading.values == values


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "pretty meh honestly",
        "4",
        "10",
        "7/10",
        "-1",
        "I had 2 bad days",  # a number inside a sentence is not an answer
        "between 1 and 2 I guess",
        "1 2 0 3 1 1 0 2 9",  # a value off the scale
        "1234",  # a digit run of the wrong length
        # "No" may mean "not at all", or begin "no idea": asked again with the options.
        "no",
        "no sé",
        "no idea",
    ],
)
def test_a_reply_that_is_not_clearly_answers_is_not_read(text: str) -> None:
    assert read_answers(text, OPTIONS, NINE) is None


def test_words_beside_the_answer_are_a_remark_for_a_person() -> None:
    reading = read_answers("2, sleeping badly this week", OPTIONS, NINE)
    assert reading is not None and reading.values == (2,) and reading.remark
    plain = read_answers("2", OPTIONS, NINE)
    assert plain is not None and not plain.remark


def test_a_count_the_caller_does_not_expect_is_still_read_so_it_can_say_so() -> None:
    reading = read_answers("1 2 0 3", OPTIONS, NINE)
    assert reading is not None and reading.values == (1, 2, 0, 3)
    # "1 2" is two answers, not item 1 answered 2: numbered lists need three items or more.
    pair = read_answers("1 2", OPTIONS, {1, 2, 9})
    assert pair is not None and pair.values == (1, 2)


@pytest.mark.parametrize("text", ["skip", "Skip.", "PASS", "saltar", "next"])
def test_skip_leaves_an_item_unanswered_on_purpose(text: str) -> None:
    assert is_skip(text)


@pytest.mark.parametrize("text", ["skip the meds?", "2", "pass me the phone"])
def test_skip_inside_a_sentence_is_not_a_skip(text: str) -> None:
    assert not is_skip(text)


@given(
    st.lists(st.integers(0, 3), min_size=9, max_size=9),
    st.sampled_from([" ", ",", ", ", ";", "\n"]),
)
def test_any_nine_answers_with_any_separator_read_back_exactly(
    values: list[int], separator: str
) -> None:
    reading = read_answers(separator.join(map(str, values)), OPTIONS, NINE)
    assert reading is not None and list(reading.values) == values
