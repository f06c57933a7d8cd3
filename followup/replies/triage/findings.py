"""What triage decides: a level of urgency, and the findings behind it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from followup.replies.triage.text import alternatives, compile_phrase

MAX_WORDS = 60


class Level(StrEnum):
    """How soon a person must act on a message, most urgent first."""

    # A medical emergency: the patient is told to call the emergency number; on-call paged.
    EMERGENCY = "emergency"
    # Suicide or self-harm risk: the crisis line and on-call number; on-call paged.
    CRISIS = "crisis"
    # A nurse must call today (ketamine cystitis, an IV site, a high blood pressure).
    URGENT = "urgent"
    # A person reads it soon: recovery or a denial, or a reply the pipeline could not read.
    REVIEW = "review"
    ORDINARY = "ordinary"

    @property
    def rank(self) -> int:
        """0 for the most urgent; sorts a queue."""
        return _RANKS[self]


_RANKS = {level: rank for rank, level in enumerate(Level)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason for a level: the rule that decided (a short name staff can read), its
    category, and the patient's own words that matched, normalised and short."""

    level: Level
    category: str
    rule: str
    words: str


@dataclass(frozen=True, slots=True)
class Triage:
    """A message's level and every finding that set it, most urgent first."""

    level: Level
    findings: tuple[Finding, ...] = ()

    @property
    def pages_on_call(self) -> bool:
        """Emergency, crisis and urgent findings page the person on call at once."""
        return self.level.rank <= Level.URGENT.rank

    def first(self, level: Level) -> Finding | None:
        """The first finding of a level, if any."""
        return next((f for f in self.findings if f.level is level), None)

    def explain(self) -> str:
        """One line for staff: each finding's rule and the words that matched."""
        return "; ".join(f'{f.rule} ("{f.words}")' for f in self.findings)


ORDINARY = Triage(Level.ORDINARY)


@dataclass(frozen=True, slots=True)
class Rule:
    """Phrase patterns (see `compile_phrase`) that mean one thing, named for staff."""

    level: Level
    category: str
    name: str
    patterns: tuple[re.Pattern[str], ...]


def rule(level: Level, category: str, name: str, *patterns: str) -> Rule:
    """A rule from phrase patterns. Each top-level alternative is compiled on its own, so
    that the prefilter lets through only the alternatives whose words a message has."""
    compiled = tuple(compile_phrase(a) for p in patterns for a in alternatives(p))
    return Rule(level, category, name, compiled)


def short(words: str) -> str:
    """Normalised words, at most MAX_WORDS characters."""
    words = " ".join(words.replace("|", " ").split())
    return words if len(words) <= MAX_WORDS else words[: MAX_WORDS - 1] + "\u2026"
