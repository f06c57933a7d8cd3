"""SMS segment counting per GSM 03.38: the boundaries carriers bill at, to the character."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followup.messages.segments import GSM7_BASIC, SegmentCount, count_segments

EMOJI = "\U0001f600"  # outside the BMP: a surrogate pair in UTF-16


def test_empty_text_is_zero_segments_because_it_cannot_be_sent() -> None:
    assert count_segments("") == SegmentCount("GSM-7", 0, 0, 160)


@pytest.mark.parametrize(
    ("length", "segments", "per_segment"),
    [(1, 1, 160), (160, 1, 160), (161, 2, 153), (306, 2, 153), (307, 3, 153), (459, 3, 153)],
)
def test_gsm7_text_splits_at_160_then_every_153(
    length: int, segments: int, per_segment: int
) -> None:
    count = count_segments("a" * length)
    assert (count.encoding, count.characters) == ("GSM-7", length)
    assert (count.segments, count.per_segment) == (segments, per_segment)


@pytest.mark.parametrize(
    ("length", "segments", "per_segment"),
    [(70, 1, 70), (71, 2, 67), (134, 2, 67), (135, 3, 67)],
)
def test_ucs2_text_splits_at_70_then_every_67(length: int, segments: int, per_segment: int) -> None:
    count = count_segments("á" * length)
    assert (count.encoding, count.characters) == ("UCS-2", length)
    assert (count.segments, count.per_segment) == (segments, per_segment)


@pytest.mark.parametrize("char", ["^", "{", "}", "\\", "[", "~", "]", "|", "€", "\f"])
def test_extension_characters_count_two_septets(char: str) -> None:
    count = count_segments(char)
    assert (count.encoding, count.characters, count.non_gsm) == ("GSM-7", 2, ())


def test_eighty_euro_signs_fill_one_segment_and_eighty_one_need_two() -> None:
    assert count_segments("€" * 80) == SegmentCount("GSM-7", 160, 1, 160)
    assert count_segments("€" * 81) == SegmentCount("GSM-7", 162, 2, 153)


def test_a_euro_sign_that_would_straddle_a_boundary_moves_to_the_next_segment() -> None:
    # 152 + 2 + 152 = 306 septets would fit two segments of 153 if the escape pair could
    # be split; it cannot, so the second segment starts with the € and overflows.
    straddling = count_segments("a" * 152 + "€" + "a" * 152)
    assert (straddling.characters, straddling.segments) == (306, 3)
    # One septet earlier the pair fits at the end of the first segment.
    fitting = count_segments("a" * 151 + "€" + "a" * 153)
    assert (fitting.characters, fitting.segments) == (306, 2)


def test_spanish_letters_of_the_gsm_alphabet_stay_gsm7() -> None:
    count = count_segments("¿Qué tal, señor? ¡ÑOÑO, nos vemos el martes!")
    assert (count.encoding, count.non_gsm) == ("GSM-7", ())


@pytest.mark.parametrize("char", ["á", "í", "ó", "ú"])
def test_acute_vowels_other_than_e_force_ucs2_and_are_named(char: str) -> None:
    count = count_segments(f"Mañana, por favor{char}")
    assert (count.encoding, count.non_gsm) == ("UCS-2", (char,))


def test_non_gsm_characters_are_listed_once_in_order_of_appearance() -> None:
    assert count_segments("ó á ó ú á").non_gsm == ("ó", "á", "ú")


def test_an_emoji_counts_two_code_units() -> None:
    assert count_segments(f"Hi {EMOJI}") == SegmentCount("UCS-2", 5, 1, 70, (EMOJI,))


def test_an_emoji_that_would_straddle_a_boundary_moves_to_the_next_segment() -> None:
    # 66 + 2 + 66 = 134 code units, two segments of 67 were the pair splittable.
    count = count_segments("á" * 66 + EMOJI + "a" * 66)
    assert (count.characters, count.segments) == (134, 3)


def test_a_curly_quote_forces_ucs2() -> None:
    count = count_segments("It\u2019s time for your appointment")
    assert (count.encoding, count.non_gsm, count.per_segment) == ("UCS-2", ("\u2019",), 70)


@given(st.text())
def test_segments_always_hold_every_character(text: str) -> None:
    count = count_segments(text)
    assert count.segments * count.per_segment >= count.characters
    assert (count.segments == 0) == (text == "")
    if count.encoding == "UCS-2":
        assert count.characters == len(text.encode("utf-16-le")) // 2
        assert count.non_gsm


@given(st.text(alphabet=sorted(GSM7_BASIC), min_size=161, max_size=2000))
def test_long_gsm7_text_without_extension_characters_needs_ceil_len_over_153(
    text: str,
) -> None:
    count = count_segments(text)
    assert count.encoding == "GSM-7"
    assert count.segments == math.ceil(len(text) / 153)
