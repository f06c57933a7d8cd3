"""The protocol's field types and checks, shared by its parts."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

# Words that would tell whoever reads a patient's phone why they are treated.
SENSITIVE_WORDS = re.compile(
    r"ketamin|ketalar|spravato|depres|deprim|suicid|\bptsd\b|\btept\b|bipolar|"
    r"anxiety|ansiedad|psychiatr|psiquiatr|\bmental\b",
    re.IGNORECASE,
)


def reveals_treatment(text: str) -> bool:
    """True when text names a drug or diagnosis, accents ignored ("psiquiátrica")."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return bool(SENSITIVE_WORDS.search(bare))


_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")


def parse_duration(value: Any) -> timedelta:
    """Read "48h", "2h", "0m", "90m", "1h30m" or "2d" as a timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration such as '48h', '90m' or '1h30m'")
    days, hours, minutes = (int(group or 0) for group in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def check_timezone(name: str) -> str:
    """Accept only IANA zone names that this machine's tz database knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone such as 'America/New_York'") from None
    return name


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Kind = Literal["preparation", "reminder", "discharge", "checkin", "next_infusion", "booster"]
ChannelName = Literal["sms", "email"]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
QuestionType = Literal["scale", "yes_no", "choice", "text"]
# How urgent an alert from a flagged answer is, as followup.alerts reads it: every alert
# goes to the on-call person; "critical" (what a crisis reply raises) also pauses messages.
Severity = Literal["low", "medium", "high", "critical"]

LANGUAGE = re.compile(r"^[a-z]{2,3}$")
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# A question goes out as (part of) an SMS: two GSM-7 segments are 306 characters.
MAX_QUESTION_CHARS = 320


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_languages(value: dict[str, str], max_chars: int) -> dict[str, str]:
    """A language → text table: English required, every text present and short enough."""
    if "en" not in value:
        raise ValueError("needs an English version (en); other languages fall back to it")
    for language, text in value.items():
        if not LANGUAGE.match(language):
            raise ValueError(f"{language!r} is not a language code such as 'en' or 'es'")
        if not text.strip():
            raise ValueError(f"the {language!r} text is empty")
        if len(text) > max_chars:
            raise ValueError(
                f"the {language!r} text is {len(text)} characters; keep it to "
                f"{max_chars} so it fits in a short SMS"
            )
    return value


def discreet_name(value: str) -> str:
    """A clinic's or location's name, which goes into every message: no drug, no diagnosis."""
    if reveals_treatment(value):
        raise ValueError(
            "goes into every message and must not name a drug or a diagnosis "
            "(somebody else may read the patient's phone); use a neutral name"
        )
    return value


def _check_texts(value: dict[str, str]) -> dict[str, str]:
    """A language → text table: English required, every text short and discreet."""
    check_languages(value, MAX_QUESTION_CHARS)
    for language, text in value.items():
        if reveals_treatment(text):
            raise ValueError(
                f"the {language!r} text must not name a drug or a diagnosis "
                "(somebody else may read the patient's phone)"
            )
    return value


Texts = Annotated[dict[str, str], AfterValidator(_check_texts)]


def first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message
