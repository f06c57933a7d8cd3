"""What a call to on-call says, as TwiML: pure.

It names the clinic and nothing about the patient (no name, drug or diagnosis): whoever
answers may not be the person on call, and a voicemail is heard by anyone with the phone.
The details are behind the staff pages' sign-in. The question is asked twice, each time
in a `<Gather numDigits="1">`, so that a person woken by the call has time to press.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

# Twilio's <Say> language per person's language; the voice is the account's default.
SAY_LANGUAGE = {"en": "en-US", "es": "es-MX"}
# Seconds a <Gather> waits for the key after the question ends.
GATHER_SECONDS = 6

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "alert": (
            "Urgent patient alert from {clinic}. Press 1 to acknowledge. "
            "Press 2 to pass it to the next person."
        ),
        "acknowledged": "Acknowledged. Open the alerts page for details.",
        "passed": "Passed to the next person. Goodbye.",
        "no_key": "No key was pressed. We are calling the next person.",
        # The last call of the ladder (the clinic's on-call phone): nobody is called next.
        "no_key_last": "No key was pressed. Please open the alerts page now.",
        "passed_last": "Nobody is left to call. Please open the alerts page now.",
        "other_key": "That key does nothing.",
        "taken": "This alert was already acknowledged by {by}. Nothing more to do. Goodbye.",
        "voicemail": (
            "This is {clinic} with an urgent patient alert. Please open the alerts page as "
            "soon as you hear this. We are calling the next person on call."
        ),
        "voicemail_last": (
            "This is {clinic} with an urgent patient alert. Please open the alerts page as "
            "soon as you hear this."
        ),
        "test": "This is a test call from {clinic}. Press 1 to confirm that you can hear it.",
        "test_done": "Test complete. Thank you. Goodbye.",
        "test_voicemail": "This is a test call from {clinic}. Nothing to do.",
        "unrecorded": "Your answer could not be recorded. Please open the alerts page now.",
    },
    "es": {
        "alert": (
            "Alerta urgente de un paciente de {clinic}. Pulse 1 para confirmarla. "
            "Pulse 2 para pasarla a la siguiente persona."
        ),
        "acknowledged": "Confirmada. Abra la página de alertas para ver los detalles.",
        "passed": "Pasada a la siguiente persona. Adiós.",
        "no_key": "No se pulsó ninguna tecla. Llamamos a la siguiente persona.",
        "no_key_last": "No se pulsó ninguna tecla. Abra la página de alertas ahora.",
        "passed_last": "No queda nadie a quien llamar. Abra la página de alertas ahora.",
        "other_key": "Esa tecla no hace nada.",
        "taken": "Esta alerta ya la confirmó {by}. No hace falta nada más. Adiós.",
        "voicemail": (
            "Le llama {clinic} con una alerta urgente de un paciente. Abra la página de "
            "alertas en cuanto oiga este mensaje. Llamamos a la siguiente persona de guardia."
        ),
        "voicemail_last": (
            "Le llama {clinic} con una alerta urgente de un paciente. Abra la página de "
            "alertas en cuanto oiga este mensaje."
        ),
        "test": "Esta es una llamada de prueba de {clinic}. Pulse 1 si la oye bien.",
        "test_done": "Prueba completada. Gracias. Adiós.",
        "test_voicemail": "Esta es una llamada de prueba de {clinic}. No hace falta nada.",
        "unrecorded": "No se pudo guardar su respuesta. Abra la página de alertas ahora.",
    },
}

_XML = '<?xml version="1.0" encoding="UTF-8"?>'


def text(language: str, key: str, **values: str) -> str:
    """One sentence in the person's language (English for any other)."""
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)


def ask(
    language: str,
    clinic: str,
    action_url: str,
    test: bool = False,
    sorry: bool = False,
    last: bool = False,
) -> str:
    """The question, twice, each in a one-key <Gather> posting to `action_url`; then, with
    no key, a goodbye (the call ends and the next person is called, unless it is `last`)."""
    question = text(language, "test" if test else "alert", clinic=clinic)
    if sorry:
        question = f"{text(language, 'other_key')} {question}"
    gather = (
        f'<Gather numDigits="1" timeout="{GATHER_SECONDS}" method="POST" '
        f"action={quoteattr(action_url)}>{_say(language, question)}</Gather>"
    )
    ending = "" if test else _say(language, text(language, "no_key_last" if last else "no_key"))
    return f"{_XML}<Response>{gather}{gather}{ending}<Hangup/></Response>"


def say(language: str, key: str, **values: str) -> str:
    """One sentence, then hang up."""
    return f"{_XML}<Response>{_say(language, text(language, key, **values))}<Hangup/></Response>"


def hang_up() -> str:
    """Nothing said: a call that is not ours, or no longer has anything to say."""
    return f"{_XML}<Response><Hangup/></Response>"


def _say(language: str, words: str) -> str:
    spoken = SAY_LANGUAGE.get(language, SAY_LANGUAGE["en"])
    return f'<Say language="{spoken}">{escape(words)}</Say>'
