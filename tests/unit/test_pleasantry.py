"""Which free-text replies are only thanks or good news (not queued for a person); pure."""

from __future__ import annotations

from pathlib import Path

import pytest

from followup.replies.pleasantry import is_pleasantry
from followup.replies.triage.check import parse

CORPUS = Path(__file__).parent.parent / "fixtures" / "triage"

PLEASANTRIES = [
    "ok",
    "OK",
    "Ok!",
    "k",
    "okay thanks",
    "Thanks!",
    "thank you",
    "Thank you so much!!",
    "Thanks, see you Tuesday",
    "thx",
    "ty 🙏",
    "👍",
    "👍🏽",
    ":)",
    "Feeling great today",
    "feeling much better today, thank you!",
    "I'm good thanks",
    "Im doing well",
    "Sounds good",
    "Got it, thanks",
    "perfect, see you then",
    "Good morning! Thank you for the reminder",
    "Awesome 😊",
    "Thanks everyone ❤️",
    "Great, thank you all so much",
    "Gracias",
    "¡Muchas gracias!",
    "ok gracias",
    "Vale, gracias",
    "Me siento muy bien hoy",
    "Estoy bien, gracias",
    "Perfecto, nos vemos el martes",
    "Muy bien gracias 🙏",
    "Entendido",
    "Buenos días, gracias por el recordatorio",
    "Listo 👍",
    "Excelente, mil gracias",
]

# Not clearly a pleasantry: a question, a request, a symptom, a negation, a farewell,
# an answer to a nurse's question, numbers, or words the list does not know.
NEEDS_A_PERSON = [
    "ok?",
    "Thanks, can you call me?",
    "thanks but I still feel awful",
    "not great",
    "not good today",
    "I'm not ok",
    "no",
    "yes",
    "Yes",
    "si",
    "Thanks for everything",
    "thank you for everything, goodbye",
    "bye",
    "Gracias por todo",
    "gracias por todo, adiós",
    "I'm done",
    "ok :(",
    "ok 😢",
    "thanks 💊",
    "ok 🔪",
    "Feeling great but my bladder hurts",
    "good but peeing blood",
    "Running 10 min late",
    "Where do I park?",
    "Can I eat before my infusion",
    "Thanks. Pain is 8",
    "ok 7",
    "good, BP 180/110",
    "Feeling odd today",
    "I'm fine I guess",
    "fine.. whatever",
    "please call me",
    "Need to reschedule",
    "Estoy mal",
    "No me siento bien",
    "Bien pero me duele la vejiga",
    "Gracias, ¿me pueden llamar?",
    "ok pero tengo dolor",
    "Necesito cambiar la cita",
    "muy bien ya no voy a volver",
    "",
    "   ",
    "...",
    "?",
    "thanks " * 20,
]


@pytest.mark.parametrize("text", PLEASANTRIES)
def test_thanks_acknowledgements_and_good_news_are_pleasantries(text: str) -> None:
    assert is_pleasantry(text), text


@pytest.mark.parametrize("text", NEEDS_A_PERSON)
def test_anything_not_clearly_a_pleasantry_needs_a_person(text: str) -> None:
    assert not is_pleasantry(text), text


def test_no_message_of_the_labelled_crisis_medical_urgent_or_review_corpus_is_a_pleasantry() -> (
    None
):
    # Belt and braces: handle() also requires triage to find nothing.
    for path in sorted(CORPUS.glob("*.tsv")):
        for message in parse(path.read_text(encoding="utf-8").splitlines(), path.name):
            if message.label != "ordinary":
                assert not is_pleasantry(message.text), (message.where, message.text)
