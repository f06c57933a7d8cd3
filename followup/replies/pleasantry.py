"""Is a free-text reply only a thank-you, an acknowledgement or good news?

Such a reply is stored and shown but does not wait in the staff's queue; everything else
does. The test is a whitelist: every word of the message must be one of a small set of
courtesy words (English and Spanish), with at least one that carries the courtesy, no
question mark, no frown, no emoji but a few friendly ones. Negations ("not", "no", "pero"),
farewells ("bye", "adios"), "done", "everything"/"todo" (as in "thanks for everything", a
goodbye) and yes/no (the answer to a question a nurse asked) are absent on purpose, so
any of them sends the message to a person. Callers also require triage to find nothing.
"""

from __future__ import annotations

import re

from followup.replies.parse import SEPARATORS, normalise

MAX_WORDS = 15

# Words that make a message a courtesy: at least one must be there.
_COURTESY = frozenset(
    {
        # English
        *("ok", "okay", "okey", "k", "kk", "thanks", "thank", "thankyou", "thx", "ty", "tyvm"),
        *("great", "good", "fine", "well", "perfect", "awesome", "excellent", "wonderful"),
        *("fantastic", "amazing", "nice", "cool", "noted", "understood", "alright", "sure"),
        *("appreciate", "appreciated", "better", "happy", "glad", "lovely", "terrific"),
        *("received", "gotcha", "sounds", "morning", "afternoon", "evening"),
        # Spanish
        *("gracias", "vale", "bien", "genial", "perfecto", "perfecta", "excelente", "entendido"),
        *("entendida", "listo", "lista", "recibido", "recibida", "bueno", "buena", "buenos"),
        *("buenas", "igualmente", "saludos", "claro", "mejor", "feliz", "contento", "contenta"),
        *("maravilla", "maravillosa", "estupendo", "estupenda", "super", "dias", "tardes"),
    }
)
# Words that may stand beside the courtesy without changing what it says.
_FILLER = frozenset(
    {
        # English
        *("i", "im", "am", "we", "were", "are", "is", "its", "it", "that", "this", "all", "you"),
        *("your", "so", "very", "really", "much", "many", "a", "lot", "lots", "the", "for"),
        *("feel", "feeling", "feelin", "doing", "today", "now", "again", "got", "will", "do"),
        *("see", "then", "soon", "tomorrow", "have", "day", "weekend", "week", "just", "too"),
        *("and", "everyone", "guys", "team", "all", "yall", "again", "pretty", "super", "quite"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("message", "reminder", "info", "heads", "up", "lol", "haha", "hi", "hello", "hey"),
        # Spanish
        *("muchas", "muchisimas", "mil", "muy", "estoy", "me", "siento", "hoy", "de", "acuerdo"),
        *("que", "tenga", "tengan", "buen", "dia", "usted", "ustedes", "a", "le", "les", "por"),
        *("el", "la", "mensaje", "recordatorio", "nos", "vemos", "manana", "entonces", "y"),
        *("hola", "estamos", "todos", "ya", "pronto", "lunes", "martes", "miercoles", "jueves"),
        *("viernes", "sabado", "domingo", "jaja", "jeje", "equipo", "senti", "sentimos"),
    }
)
# Friendly emoji (without variation selectors, skin tones or joiners) and smileys.
_FRIENDLY = frozenset(
    "\U0001f44d\U0001f64f\U0001f60a\U0001f642\U0001f600\U0001f603\U0001f604\U0001f601"
    "\u263a\u2764\u2665\U0001f499\U0001f49c\U0001f49a\U0001f49b\U0001f9e1\U0001f44c\u2705"
    "\U0001f970\U0001f917\u2728\U0001f31e\U0001f338\U0001f44f\U0001f4aa\U0001f60d"
)
_SMILEYS = re.compile(r"[:;=]-?[)D]|\(:")
_PUNCTUATION = frozenset(".,!\u00a1'\u2019\u2026-~ \t\r\n")
_IGNORED = frozenset({0xFE0E, 0xFE0F, 0x200D, *range(0x1F3FB, 0x1F400)})


def is_pleasantry(text: str) -> bool:
    """Whether `text` only thanks, acknowledges or says the patient is well; doubt is False."""
    rest = _SMILEYS.sub(" ", text)
    for ch in rest:
        if ch.isalnum() or ch in _PUNCTUATION or ord(ch) in _IGNORED:
            continue
        if ch not in _FRIENDLY:
            return False  # a question, a frown, an emoji that may mean anything
    words = [w for w in normalise(rest).split() if w not in SEPARATORS]
    if not words:
        # Nothing but friendly emoji or a smiley ("👍", ":)").
        return any(ch in _FRIENDLY for ch in text) or bool(_SMILEYS.search(text))
    if len(words) > MAX_WORDS or any(w.isdigit() for w in words):
        return False
    known = all(w in _COURTESY or w in _FILLER for w in words)
    return known and any(w in _COURTESY for w in words)
