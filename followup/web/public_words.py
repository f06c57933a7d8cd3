"""What the public pages say, in English and Spanish, and the disclosure with its links.

The disclosure itself is a template (`templates/<lang>/optin_disclosure/web.txt.j2`),
checked for what carriers require; these are the words around it.
"""

from __future__ import annotations

import re

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Text messages from {clinic}",
        "intro": "Get reminders before your appointments, care instructions after a visit "
        "and check-ins by text message.",
        "phone": "Mobile phone number",
        "phone_hint": "A US mobile number with its area code, for example (212) 555-0123.",
        "agree": "To sign up, tick this box:",
        "submit": "Sign up for texts",
        "other": "Español",
        "other_lang": "es",
        "box": "Tick the box to agree to receive texts. Nothing was recorded.",
        "phone_error": "Enter a US mobile phone number with its area code. Nothing was recorded.",
        "changed": "The wording changed since the page opened. Read it and tick the box again.",
        "busy": "Sign-up is busy right now. Please try again in an hour, or call us at {phone}.",
        "too_many": "Too many sign-ups from this connection. Please try again later, or call "
        "us at {phone}.",
        "too_large": "The form could not be read. Reload the page and try again.",
        "closed": "Signing up for texts is not available right now. Please call us at {phone}.",
        "done_title": "Thank you",
        "done": "If this is a US mobile number, a text from {clinic} will confirm your "
        "sign-up within a few minutes. Reply STOP to any of our texts to stop them, or HELP "
        "for help.",
        "done_start": "If you texted STOP to our number before, text START to it as well: "
        "until then your phone company holds our texts back.",
        "crisis": "If you need help right away, call or text 988, any time.",
        "unsub_title": "Stop emails from {clinic}",
        "unsub_ask": "Press the button to stop getting emails from {clinic}. Texts are not "
        "affected: reply STOP to any of our texts to stop those.",
        "unsub_button": "Stop emails",
        "unsub_done": "Done. You will get no more emails from {clinic}. To get them again, "
        "call us at {phone}.",
        "unsub_unknown": "This unsubscribe link does not work. To stop our emails, call us "
        "at {phone}.",
    },
    "es": {
        "title": "Mensajes de texto de {clinic}",
        "intro": "Reciba recordatorios antes de sus citas, instrucciones después de una "
        "visita y seguimiento por mensaje de texto.",
        "phone": "Número de teléfono móvil",
        "phone_hint": "Un número móvil de EE. UU. con su código de área, por ejemplo "
        "(212) 555-0123.",
        "agree": "Para inscribirse, marque esta casilla:",
        "submit": "Inscribirme para recibir mensajes",
        "other": "English",
        "other_lang": "en",
        "box": "Marque la casilla para aceptar recibir mensajes. No se registró nada.",
        "phone_error": "Escriba un número móvil de EE. UU. con su código de área. No se "
        "registró nada.",
        "changed": "El texto cambió desde que abrió la página. Léalo y marque la casilla otra vez.",
        "busy": "Hay muchas inscripciones en este momento. Inténtelo de nuevo en una hora, o "
        "llámenos al {phone}.",
        "too_many": "Demasiadas inscripciones desde esta conexión. Inténtelo más tarde, o "
        "llámenos al {phone}.",
        "too_large": "No se pudo leer el formulario. Vuelva a cargar la página e inténtelo de nuevo.",
        "closed": "La inscripción para mensajes de texto no está disponible en este momento. "
        "Llámenos al {phone}.",
        "done_title": "Gracias",
        "done": "Si es un número móvil de EE. UU., un mensaje de {clinic} confirmará su "
        "inscripción en unos minutos. Responda STOP a cualquiera de nuestros mensajes para "
        "dejar de recibirlos, o HELP para ayuda.",
        "done_start": "Si antes envió STOP a nuestro número, envíele también START: hasta "
        "entonces su compañía telefónica retiene nuestros mensajes.",
        "crisis": "Si necesita ayuda de inmediato, llame o envíe un texto al 988, a cualquier hora.",
        "unsub_title": "Dejar de recibir correos de {clinic}",
        "unsub_ask": "Pulse el botón para dejar de recibir correos de {clinic}. Los mensajes "
        "de texto no cambian: responda STOP a cualquiera de ellos para dejarlos.",
        "unsub_button": "Dejar de recibir correos",
        "unsub_done": "Listo. Ya no recibirá correos de {clinic}. Para volver a recibirlos, "
        "llámenos al {phone}.",
        "unsub_unknown": "Este enlace para darse de baja no funciona. Para dejar de recibir "
        "nuestros correos, llámenos al {phone}.",
    },
}


def language_of(value: str | None) -> str:
    """The page's language: Spanish when asked for (es, es-US), else English."""
    return "es" if (value or "").lower().replace("_", "-").split("-")[0] == "es" else "en"


def linked(text: str, urls: list[str]) -> list[tuple[str, bool]]:
    """The text in pieces, each with whether it is one of `urls` (shown as a link)."""
    if not urls:
        return [(text, False)]
    pattern = re.compile(
        "(" + "|".join(re.escape(u) for u in sorted(urls, key=len, reverse=True)) + ")"
    )
    return [(piece, piece in urls) for piece in pattern.split(text) if piece]
