"""Reading SMS replies: keywords, scores, yes/no, choices and confirmations, and re-asking
(None) whenever a reply is ambiguous."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followup.replies.parse import (
    Choice,
    Keyword,
    keyword,
    normalise,
    parse_choices,
    parse_confirmation,
    parse_scale,
    parse_yes_no,
)

SYMPTOMS = (
    Choice("nausea", ("nausea", "nauseous", "sick to my stomach", "náuseas", "ganas de vomitar")),
    Choice("dizziness", ("dizziness", "dizzy", "lightheaded", "mareo", "mareado")),
    Choice("headache", ("headache", "head ache", "migraine", "dolor de cabeza")),
)
# As the shipped protocol words it: the last option means "none".
WITH_NONE = (
    *SYMPTOMS,
    Choice("none", ("none", "nada", "nothing", "no", "nope", "ninguno", "ninguna", "ningún")),
)


# --- normalise -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  STOP!!  ", "stop"),
        ("Sí, claro", "si , claro"),
        ("Don't", "dont"),
        ("I\u2019m  fine", "im fine"),
        ("7/10", "7 / 10"),
        ("1,3", "1 , 3"),
        ("6 - 7", "6-7"),
        ("6\u20137", "6-7"),
        ("7.5.", "7.5"),
        ("2:30pm", "2:30 pm"),
        ("opt-out", "opt out"),
        ("llámenme", "llamenme"),
        ("\uff33\uff34\uff2f\uff30", "stop"),  # fullwidth STOP
        ("stop 🛑", "stop"),
        ("snake_case", "snake case"),
        ("", ""),
    ],
)
def test_normalise_folds_case_accents_apostrophes_and_punctuation(text: str, expected: str) -> None:
    assert normalise(text) == expected


# --- keyword ---------------------------------------------------------------------------------

STOPS = [
    *("STOP", "stop", "Stop.", "STOP!!!", " stop ", "stop stop STOP", "STOPALL", "Stop all"),
    *("UNSUBSCRIBE", "Unsubscribe", "CANCEL", "END", "QUIT", "OPTOUT", "OPT OUT", "opt-out"),
    *("REVOKE", "PARAR", "Stop. Thank you", "stop please", "STOP NOW", "Please stop"),
    *("Yes, stop", "No. STOP."),
    *("please stop texting me", "stop sending me messages", "Stop sending these texts"),
    *("unsubscribe me", "How do I unsubscribe?", "I want to opt out", "opt me out"),
    *("take me off your list", "remove me from this list", "Remove me from your texting list"),
    *("no more texts", "No more messages please", "don't text me anymore", "Dont text me"),
    *("do not contact me", "I don't want these messages", "leave me alone", "stop it"),
    *("Stop contacting me", "No me manden más mensajes", "dejen de escribirme"),
    *("Quiero darme de baja", "no más mensajes", "bórrenme de la lista"),
    *("why don't you stop texting me", "No more messages", "NO MAS MENSAJES"),
]


@pytest.mark.parametrize("text", STOPS)
def test_opt_out_words_and_plain_language_revocations_are_stop(text: str) -> None:
    assert keyword(text) is Keyword.STOP


NOT_KEYWORDS = [
    *("the nausea didn't stop", "I can't stop crying", "stop by the clinic tomorrow?"),
    *("when does the headache end", "I had to cancel my ride", "quit smoking"),
    *("I need help with my ride", "help me reschedule", "can I start earlier?", "yes", "YES"),
    *("7", "no", "I'd like to end the session early", "end of the week works"),
    *("don't text me before 9am please", "don't unsubscribe me", "I can't stop texting her lol"),
    *("baja", "ALTO", "cancelar", "it hurts a lot, I want it to stop", "", "!!!", "🛑"),
]


@pytest.mark.parametrize("text", NOT_KEYWORDS)
def test_ordinary_answers_that_contain_a_keyword_are_not_keywords(text: str) -> None:
    assert keyword(text) is None


@pytest.mark.parametrize("text", ["START", "start", "Start!", "UNSTOP", "start please"])
def test_start_and_unstop_are_start(text: str) -> None:
    assert keyword(text) is Keyword.START


@pytest.mark.parametrize("text", ["HELP", "help", "HELP!", "Help?", "info", "INFO?", "Ayuda"])
def test_help_and_info_as_the_whole_message_are_help(text: str) -> None:
    assert keyword(text) is Keyword.HELP


@pytest.mark.parametrize("text", ["help me", "I need help", "more info please", "info on parking"])
def test_help_inside_a_sentence_is_not_the_help_keyword(text: str) -> None:
    assert keyword(text) is None


# --- parse_scale -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[("7", 7), ("7/10", 7), ("7 / 10", 7), ("7 out of 10", 7), ("7 of 10", 7)],
        *[("about a 6", 6), ("I'd say 8", 8), ("maybe 5?", 5), ("a 3", 3), ("10!", 10)],
        *[("0", 0), ("zero", 0), ("cero", 0), ("seven", 7), ("Seven.", 7), ("siete", 7)],
        *[("un 7 de 10", 7), ("out of 10, a 4", 4), ("10/10", 10), ("ten out of ten", 10)],
        *[("My mood is a 4 today", 4), ("07", 7), ("~6", 6), ("alrededor de 7", 7)],
        *[("diez", 10), ("nueve", 9), ("ocho", 8), ("seis", 6), ("cinco", 5), ("cuatro", 4)],
        *[("tres", 3), ("dos", 2), ("uno", 1), ("una", 1), ("one", 1), ("two", 2)],
    ],
)
def test_a_single_whole_number_on_the_scale_is_the_score(text: str, expected: int) -> None:
    assert parse_scale(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        *("6-7", "6 - 7", "6 to 7", "between 6 and 7", "6 or 7"),  # a range: ask which
        *("7.5", "7,5", "6.0"),  # not a whole number on the scale: ask again, do not round
        *("11", "-1", "100", "99999999999999999999999"),  # outside the scale
        *("2 days ago it was 8", "it was 3 at 2pm", "7 now, 4 yesterday"),  # two numbers
        *("3/5", "7 out of 5", "8/100"),  # a different scale
        *("", "meh", "pretty meh", "good", "none", "/10"),
    ],
)
def test_ambiguous_or_out_of_range_scores_are_none(text: str) -> None:
    assert parse_scale(text) is None


def test_a_custom_scale_uses_its_bounds_and_its_size() -> None:
    assert parse_scale("5", low=1, high=5) == 5
    assert parse_scale("4/5", low=1, high=5) == 4
    assert parse_scale("0", low=1, high=5) is None
    assert parse_scale("7/10", low=1, high=5) is None


# --- parse_yes_no ----------------------------------------------------------------------------

YESES = [
    *("yes", "Yes!", "YES", "y", "Y", "yeah", "yep", "yup", "sure", "ok", "OK.", "okay", "k"),
    *("si", "sí", "Sí", "claro", "correct", "yes please", "Yes, thank you", "yes I did"),
    *("of course", "yesss", "sí, gracias", "Yes yes"),
]
NOS = [*("no", "No.", "NO", "n", "nope", "nah", "No thanks!", "no gracias", "not yet")]
NEITHER = [
    *("yes and no", "yes or no", "not sure", "maybe", "I think", "no idea", "yes no"),
    *("sure, but only if", "ok but no", "", "7", "stop", "🙂"),
]


@pytest.mark.parametrize("text", YESES)
def test_plain_yes_is_true(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", NOS)
def test_plain_no_is_false(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", NEITHER)
def test_mixed_or_unclear_answers_are_none(text: str) -> None:
    assert parse_yes_no(text) is None


# --- parse_choices ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[("1 and 3", ("nausea", "headache")), ("1,3", ("nausea", "headache"))],
        *[("1 3", ("nausea", "headache")), ("1/3", ("nausea", "headache"))],
        *[("3, 1", ("nausea", "headache")), ("1 and 1", ("nausea",)), ("#2", ("dizziness",))],
        *[("nausea, headache", ("nausea", "headache"))],
        *[("Nausea and a headache", ("nausea", "headache")), ("dizzy", ("dizziness",))],
        *[("2 & headache", ("dizziness", "headache")), ("headaches", ("headache",))],
        *[
            ("a bit sick to my stomach", ("nausea",)),
            ("mareo y dolor de cabeza", ("dizziness", "headache")),
        ],
        *[
            ("tengo náuseas", ("nausea",)),
            ("all of the above", ("nausea", "dizziness", "headache")),
        ],
        *[("option 2 + 3", ("dizziness", "headache"))],
    ],
)
def test_choices_by_number_or_label_come_back_in_option_order(
    text: str, expected: tuple[str, ...]
) -> None:
    assert parse_choices(text, SYMPTOMS) == expected


@pytest.mark.parametrize("text", ["none", "NONE", "nothing", "Nothing really", "ninguno", "nada"])
def test_none_is_the_empty_answer_when_no_option_means_none(text: str) -> None:
    assert parse_choices(text, SYMPTOMS) == ()


@pytest.mark.parametrize("text", ["none", "4", "NONE", "nothing", "ninguna", "No."])
def test_none_is_the_none_option_when_the_question_has_one(text: str) -> None:
    assert parse_choices(text, WITH_NONE) == ("none",)


@pytest.mark.parametrize(
    "text",
    [
        *("4", "0", "1 and 4", "13", "1-3", "1.3", "one and three", "nausea or headache"),
        *("fever", "nausea and fever", "not nausea", "hmm", "", "yes", "?", "all but 2"),
    ],
)
def test_unknown_numbers_or_words_are_none_so_the_question_is_asked_again(text: str) -> None:
    assert parse_choices(text, SYMPTOMS) is None


@pytest.mark.parametrize("text", ["none and 2", "nausea, nothing else", "no nausea", "1 and 4"])
def test_none_beside_a_choice_contradicts_itself_and_is_none(text: str) -> None:
    assert parse_choices(text, WITH_NONE) is None


def test_all_means_every_option_except_the_none_option() -> None:
    assert parse_choices("all", WITH_NONE) == ("nausea", "dizziness", "headache")


# --- parse_confirmation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [*YESES, "confirmed", "Confirm", "ride arranged", "Ride is arranged!", "all set", "confirmado"],
)
def test_a_yes_or_a_confirmation_is_yes(text: str) -> None:
    assert parse_confirmation(text) == "yes"


@pytest.mark.parametrize(
    "text",
    [
        *("CALL", "call", "Call.", "call me", "please call", "Please call me", "can you call"),
        *("Can you call me?", "could someone call me", "give me a call", "llamar", "llámenme"),
        *("me pueden llamar?", "yes but call me first"),
    ],
)
def test_asking_for_a_phone_call_is_call(text: str) -> None:
    assert parse_confirmation(text) == "call"


@pytest.mark.parametrize(
    "text", ["no", "not yet", "maybe", "don't call me", "I'll call you", "", "ride?", "stop"]
)
def test_anything_else_is_not_a_confirmation(text: str) -> None:
    assert parse_confirmation(text) is None


# --- properties ------------------------------------------------------------------------------


@given(st.text())
def test_no_parser_raises_on_any_text(text: str) -> None:
    keyword(text)
    parse_scale(text)
    parse_yes_no(text)
    parse_choices(text, WITH_NONE)
    parse_confirmation(text)


@given(st.text())
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_plain_ascii_is_read_as_the_full_unicode_folding_reads_it(text: str) -> None:
    # A trailing combining accent sends the text down the Unicode path, and folds to nothing.
    assert normalise(text) == normalise(text + "\u0301")


@given(st.integers(min_value=0, max_value=10))
def test_every_number_of_the_scale_written_in_digits_is_read_back(number: int) -> None:
    assert parse_scale(str(number)) == number
