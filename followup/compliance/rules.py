"""The rules US carriers review texts by, as pure checks over rendered text.

Two kinds: what a consent text must say (the opt-in disclosure, the confirmation SMS, the
HELP and STOP answers: Twilio rejects a registration for each missing element, errors
30513/30841, 30544, 30540 and 30558), and what no message may carry (a drug name, a public
link shortener: carriers filter both, error 30007), with the first message of a series
telling how to opt out. Each problem is one line that says what to change and why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Context = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Element:
    """Something a consent text must state, and how to tell that it does."""

    name: str
    present: Callable[[str, Context], bool]


def _matches(pattern: str, flags: int = re.IGNORECASE) -> Callable[[str, Context], bool]:
    compiled = re.compile(pattern, flags)
    return lambda text, _context: compiled.search(_bare(text)) is not None


def _bare(text: str) -> str:
    """Accents dropped, so "Términos" and "Terminos" read alike."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


BRAND = Element("the brand (the clinic's name)", lambda t, c: str(c["clinic_name"]) in t)
PROGRAM = Element(
    "what the messages are about (appointments)", _matches(r"\b(?:appointments?|citas?)\b")
)
FREQUENCY = Element("how often messages come (frequency)", _matches(r"\bfrequen|\bfrecuencia"))
RATES = Element(
    '"Msg & data rates may apply"',
    _matches(r"\bmsgs?\s*(?:&|and)\s*data rates may apply|tarifas de mensajes y datos"),
)
HELP = Element("HELP (how to get help)", _matches(r"\bHELP\b", 0))
STOP = Element("STOP (how to opt out)", _matches(r"\bSTOP\b", 0))
START = Element("START (how to opt back in)", _matches(r"\bSTART\b", 0))
PRIVACY = Element(
    "the privacy policy link ([consent] privacy_url)",
    lambda t, c: bool(c.get("privacy_url")) and str(c["privacy_url"]) in t,
)
CONTACT = Element("the clinic's phone number", lambda t, c: str(c["clinic_phone"]) in t)

# What each consent text must state, and the Twilio error a missing element brings.
REQUIRED: dict[str, tuple[tuple[Element, ...], str]] = {
    "optin_disclosure": (
        (BRAND, PROGRAM, FREQUENCY, RATES, HELP, STOP, PRIVACY),
        "Twilio rejects the opt-in (30513, 30841, 30544, 30558)",
    ),
    "reply_start": (
        (BRAND, PROGRAM, FREQUENCY, RATES, HELP, STOP),
        "it is the opt-in confirmation; Twilio rejects one without it (30540)",
    ),
    "reply_help": ((BRAND, CONTACT, STOP), "carriers require it in the HELP answer"),
    "reply_stop": ((BRAND, START), "carriers require it in the opt-out confirmation"),
}

# Drug names: carriers filter controlled substances (30007), and whoever reads the
# patient's phone must not learn the treatment. "Suicide & Crisis Lifeline" is allowed.
_DRUGS = re.compile(r"ketamin|esketamin|ketalar|spravato|\bspecial k\b", re.IGNORECASE)
# Public link shorteners: carriers filter messages that use them (30007).
_SHORTENERS = re.compile(
    r"\b(?:bit\.ly|tinyurl\.com|goo\.gl|t\.co|ow\.ly|is\.gd|buff\.ly|rebrand\.ly|cutt\.ly"
    r"|shorturl\.at|tiny\.cc|bl\.ink|rb\.gy|t\.ly|s\.id|lnkd\.in|shorte\.st|adf\.ly"
    r"|v\.gd|qr\.net|tr\.im|x\.co|dlvr\.it|bitly\.com|short\.io|tiny\.one)(?:/|\b)",
    re.IGNORECASE,
)
_LINK = re.compile(r"\bhttps?://|\bwww\.", re.IGNORECASE)
_PHONE = re.compile(
    r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)|(?<!\d)988(?!\d)"
)
# Twilio's campaign form takes sample messages of 20 to 1024 characters.
SAMPLE_CHARS = (20, 1024)


def missing_elements(template: str, text: str, context: Context) -> list[str]:
    """What a consent text leaves out, one sentence each naming the element and why."""
    if template not in REQUIRED:
        return []
    elements, why = REQUIRED[template]
    return [
        f"must state {element.name}: {why}"
        for element in elements
        if not element.present(text, context)
    ]


def message_problems(text: str) -> list[str]:
    """What no message may carry: a drug name or a public link shortener."""
    problems = []
    if (drug := _DRUGS.search(_bare(text))) is not None:
        problems.append(
            f"names a drug ({drug.group().lower()!r}): carriers filter it (30007) and "
            "whoever reads the patient's phone learns the treatment"
        )
    if (short := _SHORTENERS.search(text)) is not None:
        problems.append(
            f"uses a link shortener ({short.group().rstrip('/')}): carriers filter public "
            "shorteners (30007); use the clinic's own full address"
        )
    return problems


def first_message_problems(text: str) -> list[str]:
    """A message that may be the first of a series must tell how to opt out."""
    if STOP.present(text, {}):
        return []
    return [
        "the first message of a series must say how to opt out ('Reply STOP to opt "
        "out'); carriers and Twilio's review expect it"
    ]


def has_link(text: str) -> bool:
    """Whether a message carries a web address (the campaign form asks)."""
    return _LINK.search(text) is not None


def has_phone_number(text: str) -> bool:
    """Whether a message carries a phone number (the campaign form asks)."""
    return _PHONE.search(text) is not None


def sample_problems(text: str) -> list[str]:
    """A sample message Twilio's campaign form would refuse for its length."""
    low, high = SAMPLE_CHARS
    if not low <= len(text) <= high:
        return [f"is {len(text)} characters; Twilio's sample messages take {low} to {high}"]
    return []
