"""Time zones for property tests, with their DST changes found independently of followup.

The zones the suite uses, plus the ones whose transitions break easy assumptions: a
30-minute change (Lord Howe), negative DST (Dublin), DST at midnight and then abolished
(Sao Paulo), a skipped day (Apia, 2011-12-30), midnight changes in the south (Santiago),
and a zone with no DST at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from followup.protocol import QuietHours

ZONE_NAMES = (
    "America/New_York",
    "America/Chicago",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Europe/Dublin",
    "America/Sao_Paulo",
    "Pacific/Apia",
    "America/Santiago",
    "Asia/Kolkata",
)
ZONES = tuple(ZoneInfo(name) for name in ZONE_NAMES)
FIRST = datetime(2010, 1, 1, tzinfo=UTC)
LAST = datetime(2028, 12, 31, tzinfo=UTC)


def _offset(instant: datetime, tz: ZoneInfo) -> timedelta:
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None
    return offset


@cache
def transitions(tz: ZoneInfo) -> tuple[datetime, ...]:
    """Every offset change of `tz` between 2010 and 2028, to the minute, by a daily scan."""
    found = []
    day = FIRST
    while day < LAST:
        following = day + timedelta(days=1)
        if _offset(day, tz) != _offset(following, tz):
            low, high = day, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    middle = low + timedelta(minutes=1)
                if _offset(middle, tz) == _offset(day, tz):
                    low = middle
                else:
                    high = middle
            found.append(high)
        day = following
    return tuple(found)


def _near(tz: ZoneInfo) -> st.SearchStrategy[datetime]:
    changes = transitions(tz)
    anywhere = st.integers(0, int((LAST - FIRST).total_seconds() // 60)).map(
        lambda minutes: FIRST + timedelta(minutes=minutes)
    )
    if not changes:
        return anywhere
    close = st.builds(
        lambda base, seconds: base + timedelta(seconds=seconds),
        st.sampled_from(changes),
        # Within two days either side, to the second: fractions of a minute catch code
        # that only works on round times.
        st.integers(-2 * 86400, 2 * 86400),
    )
    return st.one_of(anywhere, close, close)


# A zone and an instant in 2010-2028, two times out of three within two days of a change.
zoned_instants = st.sampled_from(ZONES).flatmap(lambda tz: st.tuples(st.just(tz), _near(tz)))

quarter_hours = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))
# Windows that start, end or sit inside the gaps and folds above (00:00-01:00, 01:00-03:00,
# 23:00-00:00), the shipped default, and any window at all on the quarter hour.
quiet_windows = st.one_of(
    st.sampled_from(
        [
            QuietHours(start=time(21, 0), end=time(8, 0)),
            QuietHours(start=time(2, 30), end=time(9, 0)),
            QuietHours(start=time(1, 30), end=time(7, 0)),
            QuietHours(start=time(22, 0), end=time(2, 15)),
            QuietHours(start=time(23, 30), end=time(0, 30)),
            QuietHours(start=time(0, 0), end=time(7, 0)),
            QuietHours(start=time(0, 15), end=time(0, 45)),
            QuietHours(start=time(3, 0), end=time(3, 30)),
        ]
    ),
    st.builds(QuietHours, start=quarter_hours, end=quarter_hours).filter(
        lambda q: q.start != q.end
    ),
)


def exists(naive: datetime, tz: ZoneInfo) -> bool:
    """True when the wall clock in `tz` reads `naive` at some instant."""
    return any(
        naive.replace(tzinfo=tz, fold=fold).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        == naive
        for fold in (0, 1)
    )
