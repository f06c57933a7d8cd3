"""Check-in surveys by SMS: one question at a time, each reply answering the one before it.

Pure functions over the protocol: the caller keeps the `SurveyState` (a conversation row),
stores each `Answer` as a symptom report, raises an alert for each `Flag` and sends the
`reply`. A reply that cannot be read is kept as text and the question asked once more; a
second one is kept as text too and the survey moves on, so no patient is ever stuck.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from followup.instruments.asking import opening
from followup.protocol import Protocol, Question, Survey
from followup.replies.parse import Choice, parse_choices, parse_scale, parse_yes_no

FALLBACK_LANGUAGE = "en"

# What the survey itself says, per language; questions come from the protocol.
REPLY_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "thanks": "Thank you. Your care team will see your answers.",
        "not_understood": "Sorry, I didn't catch that.",
    },
    "es": {
        "thanks": "Gracias. Su equipo de atención verá sus respuestas.",
        "not_understood": "Perdone, no entendí su respuesta.",
    },
}

# What a free-text answer is stored as when the patient has nothing to add.
NOTHING = "(nothing)"
# Replies to a free-text question that mean "nothing to add", compared without accents,
# punctuation or case.
_NOTHING_REPLIES = frozenset(
    {
        "no",
        "nope",
        "nah",
        "none",
        "nothing",
        "nothing else",
        "no thanks",
        "no thank you",
        "no gracias",
        "nada",
        "nada mas",
        "no nada",
        "ninguno",
        "ninguna",
    }
)


@dataclass(frozen=True)
class SurveyState:
    """Where a patient is in a survey: the question their next reply answers."""

    survey: str
    question_index: int
    reasked: bool = False


@dataclass(frozen=True)
class Answer:
    """One reply to one question, as it becomes a symptom report.

    `value` is the number a scale or yes/no reply means (yes is 1.0, no 0.0) and None for
    choice, free-text and unreadable replies. `text` is the reply as written for scale and
    yes/no, the chosen option keys joined by commas for a choice, and the reply (or
    "(nothing)") for free text, so staff always see what the patient wrote.
    """

    question: str
    value: float | None
    text: str | None


@dataclass(frozen=True)
class Flag:
    """An answer past a threshold the protocol sets: staff must look."""

    severity: str
    reason: str


@dataclass(frozen=True)
class SurveyTurn:
    """What one reply did: the answer to store, its flags, the next state and our reply.

    `next_state` is None when the survey is over (or no longer exists). `understood` is
    False when the reply could not be read as an answer, and `note` is True for a free-text
    answer that says something: a person must read either.
    """

    answer: Answer | None
    flags: tuple[Flag, ...]
    next_state: SurveyState | None
    reply: str
    understood: bool = True
    note: bool = False


def questions_for(survey: Survey, treatment: str | None) -> tuple[Question, ...]:
    """The questions a survey asks after an infusion of this treatment, in order.

    None stands for no known treatment: only questions asked for every treatment. Use
    `first_question` and `answer`, which map an unknown treatment to the default one.
    """
    if treatment is None:
        return tuple(q for q in survey.questions if q.only_for_treatments is None)
    return survey.questions_for(treatment)


def first_question(
    protocol: Protocol, survey_key: str, treatment: str | None, language: str
) -> str:
    """The text of a survey's first question (or a rating scale's first item), in the
    patient's language or else English."""
    sequence = protocol.instrument_sequence(survey_key)
    if sequence is not None:
        return opening(sequence, language)
    survey = protocol.surveys.get(survey_key)
    if survey is None:
        raise LookupError(f"no survey {survey_key!r} in the protocol")
    questions = questions_for(survey, _treatment(protocol, treatment))
    if not questions:
        raise LookupError(f"survey {survey_key!r} asks nothing for treatment {treatment!r}")
    return questions[0].text_in(_language(language))


def answer(
    protocol: Protocol, state: SurveyState, text: str, treatment: str | None, language: str
) -> SurveyTurn:
    """Read a reply to the current question and say what happens next."""
    lang = _language(language)
    survey = protocol.surveys.get(state.survey)
    questions = questions_for(survey, _treatment(protocol, treatment)) if survey else ()
    if not 0 <= state.question_index < len(questions):
        # The protocol changed under a running survey: end it politely.
        return SurveyTurn(None, (), None, _say(lang, "thanks"))
    question = questions[state.question_index]
    read = _read(question, text)
    understood = read is not None
    if read is None:
        unread = Answer(question.key, None, text)
        if not state.reasked:
            again = SurveyState(state.survey, state.question_index, reasked=True)
            reply = f"{_say(lang, 'not_understood')} {question.text_in(lang)}"
            return SurveyTurn(unread, (), again, reply, understood=False)
        read = (unread, ())
    recorded, flags = read
    note = understood and question.type == "text" and recorded.text != NOTHING
    following = state.question_index + 1
    if following < len(questions):
        return SurveyTurn(
            recorded,
            flags,
            SurveyState(state.survey, following),
            questions[following].text_in(lang),
            understood,
            note,
        )
    return SurveyTurn(recorded, flags, None, _say(lang, "thanks"), understood, note)


def read_reply(
    protocol: Protocol, state: SurveyState, text: str, treatment: str | None
) -> tuple[Answer, tuple[Flag, ...], bool] | None:
    """What a reply says as an answer to the current question, with its flags and whether it
    could be read (unread, it is kept as text); None when the survey has no such question."""
    survey = protocol.surveys.get(state.survey)
    questions = questions_for(survey, _treatment(protocol, treatment)) if survey else ()
    if not 0 <= state.question_index < len(questions):
        return None
    question = questions[state.question_index]
    read = _read(question, text)
    if read is None:
        return Answer(question.key, None, text), (), False
    return read[0], read[1], True


def _read(question: Question, text: str) -> tuple[Answer, tuple[Flag, ...]] | None:
    """The answer a reply gives and the flags it raises, or None when it cannot be read."""
    if question.type == "scale":
        number = parse_scale(text, question.min, question.max)
        if number is None:
            return None
        return Answer(question.key, float(number), text), _scale_flags(question, number)
    if question.type == "yes_no":
        said = parse_yes_no(text)
        if said is None:
            return None
        flags: tuple[Flag, ...] = ()
        if question.alert_on is not None and said is question.alert_on:
            rule = _yes_no(question.alert_on)
            flags = (_flag(question, f"{_yes_no(said)} (alert on {rule})"),)
        return Answer(question.key, 1.0 if said else 0.0, text), flags
    if question.type == "choice":
        keys = parse_choices(text, _choices(question))
        if keys is None:
            return None
        alert_on = question.alert_on if isinstance(question.alert_on, list) else []
        hits = [key for key in keys if key in alert_on]
        flags = (
            (_flag(question, f"{', '.join(hits)} (alert on {', '.join(alert_on)})"),)
            if hits
            else ()
        )
        return Answer(question.key, None, ",".join(keys)), flags
    # Free text: always an answer.
    said_nothing = _bare(text) in _NOTHING_REPLIES
    return Answer(question.key, None, NOTHING if said_nothing else text), ()


def _scale_flags(question: Question, number: int) -> tuple[Flag, ...]:
    flags = []
    if question.alert_at_or_below is not None and number <= question.alert_at_or_below:
        flags.append(_flag(question, f"{number} (alert at or below {question.alert_at_or_below})"))
    if question.alert_at_or_above is not None and number >= question.alert_at_or_above:
        flags.append(_flag(question, f"{number} (alert at or above {question.alert_at_or_above})"))
    return tuple(flags)


def _flag(question: Question, what: str) -> Flag:
    return Flag(question.alert_severity, f"{question.key} {what}")


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _choices(question: Question) -> tuple[Choice, ...]:
    """The options as the parser reads them: numbered in order, known by labels and words."""
    return tuple(
        Choice(option.key, (*option.label.values(), *option.words)) for option in question.options
    )


def _treatment(protocol: Protocol, treatment: str | None) -> str:
    """The treatment whose questions apply; unknown ones follow the default protocol."""
    if treatment and treatment in protocol.treatments_known:
        return treatment
    return protocol.default_treatment


def _language(language: str) -> str:
    """ "es", "ES" and "es-MX" all read as "es"."""
    return (language or FALLBACK_LANGUAGE).strip().lower().split("-")[0].split("_")[0]


def _say(language: str, what: str) -> str:
    return REPLY_TEXTS.get(language, REPLY_TEXTS[FALLBACK_LANGUAGE])[what]


def _bare(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())
