"""Rating-scale administrations as staff read them: per instrument, then per series.

Pure. The page's one query hands in `Administration`s (scored by
`followup.instruments.records`); baseline, latest, response and remission come from
`followup.instruments.series.summarize`. What is here only groups and words them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from followup.instruments.records import COMPLETED, IN_PROGRESS, Administration
from followup.instruments.series import SeriesSummary, Taken, summarize
from followup.protocol.instruments import Instrument

__all__ = [
    "InstrumentScores",
    "SeriesScores",
    "by_instrument",
    "crisis_answers",
    "item_answers",
    "latest_line",
    "result_text",
    "short_day",
    "signed",
]

MINUS = "\u2212"  # a real minus sign: "-7" reads as a hyphen to screen readers and in print


@dataclass(frozen=True, slots=True)
class SeriesScores:
    """One series' administrations of one instrument, oldest first, and what they say.

    `treatment` and `started_at` are None for administrations not tied to an infusion
    series: those are listed and charted but have no baseline to compare with.
    """

    treatment: str | None
    started_at: datetime | None
    administrations: tuple[Administration, ...]
    summary: SeriesSummary | None
    baseline: Administration | None
    latest: Administration | None


@dataclass(frozen=True, slots=True)
class InstrumentScores:
    """Every administration of one instrument for one patient, series by series."""

    key: str
    instrument: Instrument
    series: tuple[SeriesScores, ...]  # oldest series first

    @property
    def administrations(self) -> list[Administration]:
        """All of them, oldest first."""
        return sorted((a for s in self.series for a in s.administrations), key=lambda a: a.taken_at)

    @property
    def baselines(self) -> set[int]:
        """The ids of the administrations that are a series' baseline."""
        return {s.baseline.id for s in self.series if s.baseline is not None}

    def latest_scored(self) -> tuple[SeriesScores, Administration] | None:
        """The most recent administration with a total, and its series."""
        found = [(a.taken_at, s, a) for s in self.series for a in s.administrations if _total(a)]
        if not found:
            return None
        _, series, latest = max(found, key=lambda f: f[0])
        return series, latest


def _total(administration: Administration) -> bool:
    return administration.score.total is not None


def _series(
    instrument: Instrument, key: tuple[str, datetime] | None, given: list[Administration]
) -> SeriesScores:
    scored = [a for a in given if a.score.total is not None]
    summary = None
    baseline = latest = None
    if key is not None:
        summary = summarize(instrument, [Taken(a.taken_at, a.score.total or 0) for a in scored])
    if summary is not None:
        # The summary speaks in times and totals; find the administrations it means.
        baseline = next(a for a in scored if a.taken_at == summary.baseline.at)
        latest = next(a for a in reversed(scored) if a.taken_at == summary.latest.at)
    return SeriesScores(
        key[0] if key else None, key[1] if key else None, tuple(given), summary, baseline, latest
    )


def by_instrument(
    instruments: Mapping[str, Instrument], administrations: Iterable[Administration]
) -> list[InstrumentScores]:
    """Instruments with at least one administration, in the protocol's order."""
    grouped: dict[str, dict[tuple[str, datetime] | None, list[Administration]]] = {}
    for a in sorted(administrations, key=lambda a: a.taken_at):
        grouped.setdefault(a.instrument, {}).setdefault(a.series, []).append(a)
    found = []
    for key, instrument in instruments.items():
        if key not in grouped:
            continue
        # Series by their start; the ones without a series after them.
        order = sorted(grouped[key], key=lambda s: (s is None, s[1].timestamp() if s else 0.0))
        series = tuple(_series(instrument, s, grouped[key][s]) for s in order)
        found.append(InstrumentScores(key, instrument, series))
    return found


def signed(change: int) -> str:
    """A change in points as staff read it: "+3", "0", and a drop with a minus sign."""
    if change > 0:
        return f"+{change}"
    return f"{MINUS}{-change}" if change < 0 else "0"


def short_day(moment: datetime, tz: tzinfo, with_year: bool = False) -> str:
    """The clinic's date of a moment: "2 Mar", or "2 Mar 2026"."""
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b}" + (f" {local.year}" if with_year else "")


def result_text(administration: Administration) -> str:
    """What one administration came to, in words: the total and band, or why there is none.

    "19, moderately severe", "12, moderate (prorated from 8 of 9 items)", "stopped after
    4 of 9", "not scored: 5 of 9 answered", "in progress: 2 of 9 answered".
    """
    score = administration.score
    if score.total is not None and score.band is not None:
        text = f"{score.total}, {score.band.label_in('en')}"
        if score.prorated:
            text += f" (prorated from {score.answered} of {score.items} items)"
        return text
    if administration.status == IN_PROGRESS:
        return f"in progress: {score.answered} of {score.items} answered"
    if administration.status == COMPLETED:
        unreadable = len(administration.unreadable)
        why = f", {unreadable} unreadable" if unreadable else ""
        return f"not scored: {score.answered} of {score.items} answered{why}"
    return f"stopped after {score.answered} of {score.items}"


def item_answers(instrument: Instrument, administration: Administration) -> list[tuple[str, str]]:
    """Each item's wording (as staff read it, in English) and its answer: "2 (more than
    half the days)", "unreadable" or "not answered"."""
    unreadable = set(administration.unreadable)
    found = []
    for index, (item, value) in enumerate(
        zip(instrument.items, administration.answers, strict=False)
    ):
        if value is not None and 0 <= value < len(instrument.options):
            answer = f"{value} ({instrument.options[value].label_in('en')})"
        else:
            answer = "unreadable" if index in unreadable else "not answered"
        found.append((item.text_in("en"), answer))
    return found


def crisis_answers(instrument: Instrument, administration: Administration) -> list[str]:
    """The answers that opened the crisis path, e.g. "item 9: 1 (several days)": shown
    beside the result, so nobody has to open the answers to see one."""
    return [
        f"item {index + 1}: {value} ({instrument.options[value].label_in('en')})"
        for index, value in enumerate(administration.answers)
        if value is not None and instrument.is_crisis(index, value)
    ]


def latest_line(scores: InstrumentScores) -> str | None:
    """The Today page's line, e.g. "GAD-7 9, mild, +2 from baseline"; None with no total."""
    found = scores.latest_scored()
    if found is None:
        return None
    series, latest = found
    band = latest.score.band.label_in("en") if latest.score.band else ""
    line = f"{scores.instrument.name} {latest.score.total}, {band}"
    if series.summary is None:
        return line
    if series.summary.count == 1:
        return f"{line}, the series' baseline"
    if series.summary.change == 0:
        return f"{line}, no change from baseline"
    return f"{line}, {signed(series.summary.change)} from baseline"
