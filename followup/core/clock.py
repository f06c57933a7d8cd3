"""The one place that reads the wall clock, and the conversions between instants and
wall-clock times in a zone.

Local wall-clock time is not monotonic: at a spring-forward gap it jumps ahead, at a
fall-back fold it runs an hour (or 30 minutes, or a day) again. Every function here that
turns a wall-clock time into an instant says what it does at both.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

# How far apart offset probes are when looking for the next DST change. No zone in the tz
# database changes its offset twice within six hours, so a change between two probes
# cannot hide by being undone before the second one.
_PROBE = timedelta(hours=6)
# A wall-clock time recurs at least once every 24 hours of local time; the longest jump in
# the tz database is Pacific/Apia's skipped day, so two days always find it.
_HORIZON = timedelta(days=3)


def now() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return `value` in UTC, refusing naive datetimes: a naive time has no instant."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def resolve_local(day: date, wall: time, tz: tzinfo) -> datetime:
    """The UTC instant of a wall-clock time on a day in a zone.

    A time in a spring-forward gap moves forward by the gap (02:30 becomes 03:30); a
    time that happens twice at fall-back takes the first occurrence. zoneinfo's fold=0
    does both, by reading the wall time with the offset in force before the transition.
    """
    return datetime.combine(day, wall, tzinfo=tz).replace(fold=0).astimezone(UTC)


def first_instant_of(day: date, wall: time, tz: tzinfo) -> datetime:
    """The first instant at which the wall clock in `tz` reads `wall` on `day`, or later.

    Unlike resolve_local, a time inside a spring-forward gap gives the jump itself: a day
    whose midnight was skipped begins when the clocks jump, not an hour after.
    """
    exact = resolve_local(day, wall, tz)
    if exact.astimezone(tz).time() == wall:
        return exact
    # In a gap: the jump lies between reading the wall time with the offset after it
    # (fold=1, the earlier instant) and with the offset before it (fold=0).
    before = datetime.combine(day, wall, tzinfo=tz).replace(fold=1).astimezone(UTC)
    change = next_offset_change(before, exact, tz)
    assert change is not None, "a wall time that does not exist lies in an offset change"
    return change


def day_start(day: date, tz: tzinfo) -> datetime:
    """The first instant of a local calendar day: midnight, or the jump past a skipped one."""
    return first_instant_of(day, time(0), tz)


def utc_offset(instant: datetime, tz: tzinfo) -> timedelta:
    """The offset from UTC that `tz` has at `instant`."""
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    return offset


def next_offset_change(start: datetime, stop: datetime, tz: tzinfo) -> datetime | None:
    """The first instant in (start, stop] at which tz's UTC offset differs from start's."""
    base = utc_offset(start, tz)
    low = start
    while low < stop:
        high = min(low + _PROBE, stop)
        if utc_offset(high, tz) != base:
            return _bisect_change(low, high, base, tz)
        low = high
    return None


def _bisect_change(low: datetime, high: datetime, base: timedelta, tz: tzinfo) -> datetime:
    """The change between `low` (offset `base`) and `high` (another offset), to the second.

    The tz database changes offsets only on whole seconds of UTC.
    """
    lo, hi = math.floor(low.timestamp()), math.ceil(high.timestamp())
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if utc_offset(datetime.fromtimestamp(middle, UTC), tz) == base:
            lo = middle
        else:
            hi = middle
    return max(datetime.fromtimestamp(hi, UTC), low)


def first_local_moment(
    instant: datetime, tz: tzinfo, wanted: Callable[[time], bool], begins: time
) -> datetime:
    """The first instant from `instant` on whose wall-clock time in `tz` is `wanted`.

    `wanted` must be a daily span of wall-clock time that starts at `begins` (quiet hours,
    or the hours outside them). The wall clock reaches it either by running into `begins`
    or by a DST change that jumps or falls back into it; both occurrences of a repeated
    hour count, and a span that starts inside a skipped hour starts at the jump.
    """
    moment = require_aware(instant)
    horizon = moment + _HORIZON
    while moment < horizon:
        local = moment.astimezone(tz)
        if wanted(local.time()):
            return moment
        wall = local.replace(tzinfo=None)
        target = datetime.combine(wall.date(), begins)
        if target <= wall:
            target += timedelta(days=1)
        # When the wall clock would read `begins` if the offset stayed as it is now.
        candidate = moment + (target - wall)
        change = next_offset_change(moment, candidate, tz)
        if change is None:
            return candidate
        moment = change
    raise ValueError(f"no wall-clock time in {tz} from {instant.isoformat()} is wanted")
