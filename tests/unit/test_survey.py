"""Check-in surveys by SMS: answers, flags, the next question, and never trapping a patient."""

from __future__ import annotations

import pytest

from followup.protocol import Protocol
from followup.replies.survey import (
    REPLY_TEXTS,
    Answer,
    Flag,
    SurveyState,
    SurveyTurn,
    answer,
    first_question,
    questions_for,
)

SURVEY = "post_infusion"
THANKS = "Thank you. Your care team will see your answers."
GRACIAS = "Gracias. Su equipo de atención verá sus respuestas."


def question_text(protocol: Protocol, key: str, language: str = "en") -> str:
    question = next(q for q in protocol.surveys[SURVEY].questions if q.key == key)
    return question.text[language]


def at(protocol: Protocol, key: str, treatment: str | None = None) -> SurveyState:
    """The state of a survey waiting for the answer to one question."""
    keys = [q.key for q in questions_for(protocol.surveys[SURVEY], treatment or "depression")]
    return SurveyState(SURVEY, keys.index(key))


def reply(
    protocol: Protocol,
    state: SurveyState,
    text: str,
    treatment: str | None = None,
    language: str = "en",
) -> SurveyTurn:
    return answer(protocol, state, text, treatment, language)


def test_a_whole_conversation_records_each_answer_and_ends_with_thanks(
    protocol: Protocol,
) -> None:
    state = SurveyState(SURVEY, 0)
    assert first_question(protocol, SURVEY, None, "en") == question_text(protocol, "mood")

    mood = reply(protocol, state, "7/10")
    assert mood == SurveyTurn(
        answer=Answer("mood", 7.0, "7/10"),
        flags=(),
        next_state=SurveyState(SURVEY, 1),
        reply=question_text(protocol, "side_effects"),
    )

    assert mood.next_state is not None
    side_effects = reply(protocol, mood.next_state, "1 and 3")
    assert side_effects == SurveyTurn(
        answer=Answer("side_effects", None, "nausea,headache"),
        flags=(),
        next_state=SurveyState(SURVEY, 2),
        reply=question_text(protocol, "anything_else"),
    )

    assert side_effects.next_state is not None
    notes = reply(protocol, side_effects.next_state, "slept a lot")
    assert notes == SurveyTurn(
        answer=Answer("anything_else", None, "slept a lot"),
        flags=(),
        next_state=None,
        reply=THANKS,
        note=True,  # free text that says something: a person reads it
    )


def test_a_mood_of_1_is_flagged_high_and_the_survey_goes_on(protocol: Protocol) -> None:
    turn = reply(protocol, at(protocol, "mood"), "1")
    assert turn.answer == Answer("mood", 1.0, "1")
    assert turn.flags == (Flag("high", "mood 1 (alert at or below 2)"),)
    assert turn.next_state == SurveyState(SURVEY, 1)


def test_a_mood_just_above_the_threshold_is_not_flagged(protocol: Protocol) -> None:
    assert reply(protocol, at(protocol, "mood"), "3").flags == ()


def test_side_effects_including_a_high_blood_pressure_reading_are_flagged_high(
    protocol: Protocol,
) -> None:
    turn = reply(protocol, at(protocol, "side_effects"), "2 and 6")
    assert turn.answer == Answer("side_effects", None, "dizziness,high_blood_pressure")
    assert turn.flags == (
        Flag(
            "high", "side_effects high_blood_pressure (alert on bladder_pain, high_blood_pressure)"
        ),
    )


def test_bladder_pain_and_high_blood_pressure_together_make_one_flag(protocol: Protocol) -> None:
    turn = reply(protocol, at(protocol, "side_effects"), "5, 6")
    assert [flag.reason for flag in turn.flags] == [
        "side_effects bladder_pain, high_blood_pressure "
        "(alert on bladder_pain, high_blood_pressure)"
    ]


def test_none_of_the_side_effects_is_an_answer_without_a_flag(protocol: Protocol) -> None:
    turn = reply(protocol, at(protocol, "side_effects"), "NONE")
    assert turn.answer == Answer("side_effects", None, "none")
    assert turn.flags == ()


def test_the_pain_question_is_asked_only_after_a_pain_infusion(protocol: Protocol) -> None:
    survey = protocol.surveys[SURVEY]
    assert [q.key for q in questions_for(survey, "pain")] == [
        "mood",
        "side_effects",
        "pain",
        "anything_else",
    ]
    assert [q.key for q in questions_for(survey, "depression")] == [
        "mood",
        "side_effects",
        "anything_else",
    ]
    after_side_effects = reply(protocol, SurveyState(SURVEY, 1), "7", treatment="pain")
    assert after_side_effects.reply == question_text(protocol, "pain")
    assert reply(protocol, SurveyState(SURVEY, 1), "7").reply == question_text(
        protocol, "anything_else"
    )


def test_a_pain_of_9_is_flagged_high(protocol: Protocol) -> None:
    turn = reply(protocol, at(protocol, "pain", "pain"), "9", treatment="pain")
    assert turn.answer == Answer("pain", 9.0, "9")
    assert turn.flags == (Flag("high", "pain 9 (alert at or above 9)"),)
    assert turn.reply == question_text(protocol, "anything_else")


def test_an_unknown_or_missing_treatment_gets_the_default_questions(protocol: Protocol) -> None:
    for treatment in (None, "", "migraine"):
        turn = reply(protocol, SurveyState(SURVEY, 1), "none", treatment=treatment)
        assert turn.reply == question_text(protocol, "anything_else"), treatment


def test_a_reply_not_understood_once_is_kept_as_text_and_the_question_asked_again(
    protocol: Protocol,
) -> None:
    turn = reply(protocol, at(protocol, "mood"), "pretty meh")
    assert turn == SurveyTurn(
        answer=Answer("mood", None, "pretty meh"),
        flags=(),
        next_state=SurveyState(SURVEY, 0, reasked=True),
        reply=f"Sorry, I didn't catch that. {question_text(protocol, 'mood')}",
        understood=False,  # a person must read it
    )
    assert turn.reply.endswith("Reply with a number from 0 to 10.")


def test_a_reply_not_understood_twice_is_kept_as_text_and_the_survey_moves_on(
    protocol: Protocol,
) -> None:
    turn = reply(protocol, SurveyState(SURVEY, 0, reasked=True), "still meh")
    assert turn == SurveyTurn(
        answer=Answer("mood", None, "still meh"),
        flags=(),
        next_state=SurveyState(SURVEY, 1),
        reply=question_text(protocol, "side_effects"),
        understood=False,  # a person must read it
    )


def test_an_answer_after_a_reask_clears_it_for_the_next_question(protocol: Protocol) -> None:
    turn = reply(protocol, SurveyState(SURVEY, 0, reasked=True), "5")
    assert turn.answer == Answer("mood", 5.0, "5")
    assert turn.next_state == SurveyState(SURVEY, 1, reasked=False)


def test_a_side_effect_reply_not_understood_twice_on_the_last_choice_still_ends_politely(
    protocol: Protocol,
) -> None:
    first = reply(protocol, at(protocol, "side_effects"), "hmm")
    assert first.next_state == SurveyState(SURVEY, 1, reasked=True)
    assert first.reply.endswith("Reply with the numbers, e.g. 1 and 3, or NONE.")
    assert first.next_state is not None
    second = reply(protocol, first.next_state, "hmm again")
    assert second.answer == Answer("side_effects", None, "hmm again")
    assert second.next_state == SurveyState(SURVEY, 2)


@pytest.mark.parametrize(
    "text", ["no", "No.", "nothing", "NONE", "no gracias", "No, gracias", "nada", "No thanks!"]
)
def test_nothing_to_add_is_recorded_as_nothing(protocol: Protocol, text: str) -> None:
    turn = reply(protocol, at(protocol, "anything_else"), text)
    assert turn.answer == Answer("anything_else", None, "(nothing)")
    assert (turn.next_state, turn.reply) == (None, THANKS)


def test_a_free_text_answer_is_never_refused(protocol: Protocol) -> None:
    turn = reply(protocol, at(protocol, "anything_else"), "???")
    assert turn.answer == Answer("anything_else", None, "???")
    assert turn.next_state is None


def test_a_spanish_speaker_gets_the_questions_hint_and_thanks_in_spanish(
    protocol: Protocol,
) -> None:
    assert first_question(protocol, SURVEY, None, "es") == question_text(protocol, "mood", "es")
    mood = reply(protocol, at(protocol, "mood"), "8", language="es")
    assert mood.reply == question_text(protocol, "side_effects", "es")
    unclear = reply(protocol, at(protocol, "side_effects"), "pues no sé", language="es")
    assert unclear.reply == (
        f"{REPLY_TEXTS['es']['not_understood']} {question_text(protocol, 'side_effects', 'es')}"
    )
    last = reply(protocol, at(protocol, "anything_else"), "dormí mucho", language="es")
    assert last.reply == GRACIAS
    assert last.answer == Answer("anything_else", None, "dormí mucho")


def test_an_unknown_language_falls_back_to_english(protocol: Protocol) -> None:
    assert first_question(protocol, SURVEY, None, "fr") == question_text(protocol, "mood")
    assert reply(protocol, at(protocol, "mood"), "6", language="fr").reply == question_text(
        protocol, "side_effects"
    )
    assert reply(protocol, at(protocol, "anything_else"), "non", language="fr").reply == THANKS
    assert reply(protocol, at(protocol, "mood"), "bof", language="fr").reply.startswith(
        "Sorry, I didn't catch that."
    )


def test_a_regional_language_code_reads_as_its_language(protocol: Protocol) -> None:
    assert first_question(protocol, SURVEY, None, "es-MX") == question_text(protocol, "mood", "es")


def test_the_thank_you_names_nothing_clinical() -> None:
    for texts in REPLY_TEXTS.values():
        assert "infusion" not in texts["thanks"].lower()
        assert "infusión" not in texts["thanks"].lower()


def test_a_survey_the_protocol_no_longer_has_ends_politely_without_an_answer(
    protocol: Protocol,
) -> None:
    assert reply(protocol, SurveyState("retired", 0), "7") == SurveyTurn(None, (), None, THANKS)
    assert reply(protocol, SurveyState(SURVEY, 9), "7") == SurveyTurn(None, (), None, THANKS)


def test_asking_for_a_survey_that_does_not_exist_is_an_error(protocol: Protocol) -> None:
    with pytest.raises(LookupError, match="no survey 'retired'"):
        first_question(protocol, "retired", None, "en")
