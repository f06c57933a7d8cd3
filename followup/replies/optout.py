"""Read a reply for a revocation of consent: sure, unclear, or none. Pure.

Since April 2025 (47 CFR 64.1200(a)(10)) a revocation made by any reasonable means must
be honoured, so plain sentences count as well as STOP (`parse.keyword` reads both). What
this adds is the middle: a reply that may be an opt-out but may as well be a question
("stop, I'm confused", "stop the nausea meds?", "BAJA") is neither acted on nor lost: it
goes to a person the same day, who records the revocation if that is what it was.
Crisis triage is not done here: it runs on every message before any of this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from followup.replies.parse import STOP_WORDS, Keyword, core_words, keyword, words_of


class OptOut(StrEnum):
    REVOKE = "revoke"  # stop every message on every channel, now
    UNCLEAR = "unclear"  # a person reads it today and decides


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reply says about consent, and the words that decided it (for the record)."""

    kind: OptOut
    keyword: bool  # a carrier-style keyword (STOP), not a sentence
    words: str


# Whole replies that are opt-out words in some mouths and answers in others: "baja" and
# "alto" answer "how is your mood?", "cancelar" most often means the appointment, "fin"
# and "basta" may be despair as much as a request.
_UNCLEAR_ALONE = frozenset(
    {"baja", "alto", "cancelar", "basta", "ya basta", "fin", "no mas", "ya no", "enough"}
    | {"stop it all", "stop everything", "make it stop", "no more"}
)
# A reply that begins with one of these, or has one as a clause of its own, may be an
# opt-out; read fully it was not one (that would be a keyword or a sentence above).
_STOPPERS = STOP_WORDS | {"opt", "alto", "baja", "basta"}
_CLAUSES = re.compile(r"[.,;:!?\n()]+")


def read_opt_out(text: str) -> Reading | None:
    """A sure revocation (a keyword, or a sentence about the messages), an unclear one, or
    None for a reply that says nothing about stopping messages."""
    words = words_of(text)
    if not words:
        return None
    core = core_words(words)
    if keyword(text) is Keyword.STOP:
        joined = "".join(core)
        is_keyword = joined in STOP_WORDS or joined == "optout"
        return Reading(OptOut.REVOKE, is_keyword, " ".join(core) if is_keyword else "")
    for phrase in (" ".join(core), " ".join(words)):
        if phrase in _UNCLEAR_ALONE:
            return Reading(OptOut.UNCLEAR, False, phrase)
    if core and core[0] in _STOPPERS:
        return Reading(OptOut.UNCLEAR, False, core[0])
    for clause in _CLAUSES.split(text):
        alone = core_words(words_of(clause))
        if len(alone) == 1 and alone[0] in _STOPPERS:
            return Reading(OptOut.UNCLEAR, False, alone[0])
    return None
