"""A series judged by its scale totals: baseline, latest, change, response and remission.

The baseline is the series' first scored administration; a response is a drop of at least
`response_drop` (50 %) from it, a remission a latest total below `remission_below` (PHQ-9:
under 5). Pure: the caller groups administrations by series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from followup.protocol.instruments import Instrument


@dataclass(frozen=True, slots=True)
class Taken:
    """One scored administration: when it was taken and its total."""

    at: datetime
    total: int


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """Baseline and latest totals of a series and what they say."""

    baseline: Taken
    latest: Taken
    count: int
    # None while there is only the baseline: one score says nothing about a change.
    response: bool | None
    remission: bool | None

    @property
    def change(self) -> int:
        return self.latest.total - self.baseline.total

    @property
    def percent_change(self) -> int | None:
        if self.baseline.total == 0:
            return None
        return round(100 * self.change / self.baseline.total)


def summarize(instrument: Instrument, taken: Sequence[Taken]) -> SeriesSummary | None:
    """The summary of one series' scored administrations; None when there is none."""
    if not taken:
        return None
    ordered = sorted(taken, key=lambda t: t.at)
    baseline, latest = ordered[0], ordered[-1]
    if len(ordered) == 1:
        return SeriesSummary(baseline, latest, 1, None, None)
    response = (
        baseline.total > 0
        and baseline.total - latest.total >= instrument.response_drop * baseline.total
    )
    remission = (
        latest.total < instrument.remission_below
        if instrument.remission_below is not None
        else None
    )
    return SeriesSummary(baseline, latest, len(ordered), response, remission)
