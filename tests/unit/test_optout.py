"""The opt-out reader: every keyword in every dress, 30 plain sentences in English and
Spanish, the unclear ones that go to a person, and ordinary replies that must not opt out."""

from __future__ import annotations

import itertools

import pytest

from followup.replies.optout import OptOut, read_opt_out
from followup.replies.triage import Level, triage

# Twilio's opt-out keywords (REVOKE and OPTOUT since 2025) and their Spanish forms.
KEYWORDS = (
    *("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
    *("PARAR", "PARE", "PAREN", "DETENER", "DESUSCRIBIR", "DESUSCRIBIRME"),
)
# How people dress a keyword: case, punctuation, spacing, courtesy on either side.
CASES = (str.upper, str.lower, str.title)
DRESSES = (
    *("{}", "{}.", "{}!!!", "  {}  ", "{}?", "{} please", "Please {}", "{}. Thank you"),
    *("Thank you, {}", "{} gracias", "{} por favor", "ok {} thanks", "{} {}", "{} 🙏"),
)


def _variants() -> list[str]:
    return [
        dress.format(case(word), case(word))
        for word, case, dress in itertools.product(KEYWORDS, CASES, DRESSES)
    ]


@pytest.mark.parametrize("text", _variants())
def test_every_keyword_in_any_case_punctuation_and_courtesy_revokes_as_a_keyword(
    text: str,
) -> None:
    reading = read_opt_out(text)
    assert reading is not None and reading.kind is OptOut.REVOKE and reading.keyword


# Written for this test: how patients say it in their own words, 17 English, 16 Spanish.
PLAIN_SENTENCES = (
    "Please stop texting me.",
    "I don't want any more messages from you",
    "Take me off your list please",
    "No more texts, thank you",
    "Stop sending me these messages",
    "I'd like to unsubscribe",
    "Please remove my number from your list",
    "Don't text me anymore",
    "I no longer wish to receive text messages",
    "Can you stop messaging me",
    "I want to opt out of these texts",
    "Stop contacting me please",
    "Please don't send me any more reminders",
    "I revoke my consent to receive texts",
    "Quit texting me",
    "I do not want to be contacted by text anymore",
    "Leave me alone, no more messages",
    "Por favor dejen de enviarme mensajes",
    "No quiero recibir más mensajes",
    "Ya no me escriban",
    "Quiero darme de baja",
    "Bórrenme de su lista",
    "No me manden más mensajes, gracias",
    "Dejen de escribirme por favor",
    "No más mensajes",
    "Ya no deseo recibir mensajes de texto",
    "Por favor sáquenme de la lista",
    "Retiro mi consentimiento para recibir mensajes",
    "No quiero más textos",
    "Paren de mandarme mensajes",
    "Ya no quiero recibir recordatorios",
    "Cancelen los mensajes por favor",
    "No me contacten más",
)


def test_there_are_at_least_30_plain_sentences_in_both_languages() -> None:
    assert len(PLAIN_SENTENCES) >= 30


@pytest.mark.parametrize("text", PLAIN_SENTENCES)
def test_plain_sentences_in_english_and_spanish_revoke(text: str) -> None:
    reading = read_opt_out(text)
    assert reading is not None and reading.kind is OptOut.REVOKE, text


# Maybe an opt-out, maybe a question: a person reads it today, nothing is revoked.
UNCLEAR = (
    "stop, I'm confused",
    "stop the nausea meds?",
    "STOP what?",
    "Stop? Why did I get this",
    "I'm confused. Stop.",
    "Baja",
    "ALTO",
    "cancelar",
    "basta",
    "no more",
    "End of the week works",
    "Cancel my appointment tomorrow",
    "quit smoking",
    "Parar el tratamiento?",
)


@pytest.mark.parametrize("text", UNCLEAR)
def test_replies_that_may_be_an_opt_out_are_unclear_and_revoke_nothing(text: str) -> None:
    reading = read_opt_out(text)
    assert reading is not None and reading.kind is OptOut.UNCLEAR, text


# Ordinary replies with a stop word inside: never an opt-out.
NOT_OPT_OUTS = (
    "the nausea didn't stop",
    "When does the headache end?",
    "I had to cancel my ride, can someone call me",
    "don't text me before 9am please",
    "don't unsubscribe me",
    "I can't stop texting her lol",
    "Should I stop taking my meds before the infusion?",
    "I want the pain to stop",
    "My mom said to stop eating 6 hours before",
    "Can I cancel tomorrow's appointment?",
    "no quiero cancelar la cita",
    "¿Puedo dejar de tomar la medicina?",
    "No me mandaron el mensaje de ayer",
    "ya no me duele",
    "no me escriban antes de las 9",
    "Thanks, see you Tuesday",
    "7",
    "YES",
    "",
)


@pytest.mark.parametrize("text", NOT_OPT_OUTS)
def test_ordinary_replies_that_mention_stopping_do_not_revoke(text: str) -> None:
    reading = read_opt_out(text)
    assert reading is None or reading.kind is not OptOut.REVOKE, text


@pytest.mark.parametrize("text", NOT_OPT_OUTS[:6])
def test_a_stop_word_inside_an_ordinary_sentence_is_not_even_unclear(text: str) -> None:
    assert read_opt_out(text) is None, text


@pytest.mark.parametrize(
    "text", ["Stop texting me, I want to die", "STOP. I don't want to be here anymore"]
)
def test_a_revocation_with_a_crisis_signal_is_still_a_crisis_for_triage(text: str) -> None:
    # The pipeline runs triage first and takes the crisis path; the revocation is
    # recorded beside it (tests/integration/test_consent_sms.py).
    assert triage(text).level is Level.CRISIS
    reading = read_opt_out(text)
    assert reading is not None and reading.kind is not None
