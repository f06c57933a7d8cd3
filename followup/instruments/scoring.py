"""Totals and severity bands of a rating scale's answers, following its own guidance.

A total needs every item, or at most `max_missing` unanswered ones: then it is the answered
items' mean times the number of items, rounded half up (the PHQ and GAD-7 manuals). With
more missing there is no total: a partial sum would read as a milder score than it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from followup.protocol.instruments import Band, Instrument


@dataclass(frozen=True, slots=True)
class Score:
    """What a set of answers adds up to; `total` is None when too many items are missing."""

    total: int | None
    band: Band | None
    answered: int
    items: int
    prorated: bool

    @property
    def complete(self) -> bool:
        return self.answered == self.items


def score(instrument: Instrument, answers: Sequence[int | None]) -> Score:
    """Score answers in item order (None: unanswered or unreadable)."""
    if len(answers) != len(instrument.items):
        raise ValueError(f"{len(answers)} answers for {len(instrument.items)} items")
    given = [value for value in answers if value is not None]
    for value in given:
        if not 0 <= value <= instrument.max_value:
            raise ValueError(f"answer {value} is outside 0 to {instrument.max_value}")
    items = len(instrument.items)
    missing = items - len(given)
    if missing > instrument.max_missing:
        return Score(None, None, len(given), items, False)
    total = sum(given) if not missing else math.floor(sum(given) * items / len(given) + 0.5)
    return Score(total, instrument.band_for(total), len(given), items, prorated=missing > 0)
