"""A patient's infusions grouped into series: "infusion 3 of 6", and which one is the last.

Pure: the infusions and the rule in, each infusion's place out. Derived again whenever the
patient is re-planned, so a booking, a move or a cancellation renumbers the series.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo


@dataclass(frozen=True, slots=True)
class Infusion:
    """One of a patient's appointments as planning sees it. Times are aware.

    `end` is when the patient leaves: the discharge staff recorded, else the booked end.
    """

    key: int
    start: datetime
    end: datetime
    treatment: str | None
    active: bool = True  # booked or completed; cancelled and no-show get nothing


@dataclass(frozen=True, slots=True)
class SeriesPlace:
    """Where an active infusion stands in its series, and its neighbours."""

    number: int
    size: int
    first_start: datetime
    previous: Infusion | None  # the one before it in the same series
    following: Infusion | None  # the patient's next active infusion, in any series

    @property
    def first(self) -> bool:
        return self.number == 1

    @property
    def last(self) -> bool:
        """No later infusion of the series is booked: the full follow-up runs after it."""
        return self.number == self.size

    @property
    def next_in_series(self) -> bool:
        return self.following is not None and not self.last

    def describe(self) -> str:
        return f"{self.number} of {self.size}"


def in_order(infusions: Iterable[Infusion]) -> list[Infusion]:
    """The active infusions by start (then key, so equal starts keep one order)."""
    return sorted((i for i in infusions if i.active), key=lambda i: (i.start, i.key))


def wall_gap(earlier: datetime, later: datetime, tz: tzinfo) -> timedelta:
    """How far apart two instants are on the wall clock in `tz`.

    A weekly infusion stays 7 days from the last one across a DST change, as a nurse
    counts it, where the instants are 7 days and an hour apart.
    """
    return later.astimezone(tz).replace(tzinfo=None) - earlier.astimezone(tz).replace(tzinfo=None)


def find_series(
    infusions: Iterable[Infusion], tz: tzinfo, gap: timedelta, default_treatment: str
) -> dict[int, SeriesPlace]:
    """Each active infusion's place in its series, by key.

    A series is consecutive infusions of one treatment, each starting at most `gap` after
    the one before on the patient's wall clock; a gap of 0 makes each its own series.
    """
    ordered = in_order(infusions)
    groups: list[list[Infusion]] = []
    for infusion in ordered:
        if groups and _continues(groups[-1][-1], infusion, tz, gap, default_treatment):
            groups[-1].append(infusion)
        else:
            groups.append([infusion])
    places: dict[int, SeriesPlace] = {}
    position = 0
    for group in groups:
        for number, infusion in enumerate(group, start=1):
            position += 1
            places[infusion.key] = SeriesPlace(
                number=number,
                size=len(group),
                first_start=group[0].start,
                previous=group[number - 2] if number > 1 else None,
                following=ordered[position] if position < len(ordered) else None,
            )
    return places


def _continues(
    before: Infusion, infusion: Infusion, tz: tzinfo, gap: timedelta, default_treatment: str
) -> bool:
    if (before.treatment or default_treatment) != (infusion.treatment or default_treatment):
        return False
    return gap > timedelta(0) and wall_gap(before.start, infusion.start, tz) <= gap
