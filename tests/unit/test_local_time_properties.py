"""Property tests: every conversion between wall-clock time and instants, over zones with
unusual DST changes (see tests/unit/zones.py), checked against minute-by-minute walks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from followup.core.clock import day_start, first_instant_of, next_offset_change, resolve_local
from followup.planning.planner import next_allowed, next_quiet_start
from followup.protocol import QuietHours
from tests.conftest import examples
from tests.unit.zones import (
    ZONES,
    exists,
    quarter_hours,
    quiet_windows,
    transitions,
    zoned_instants,
)

SYDNEY = ZoneInfo("Australia/Sydney")
NEW_YORK = ZoneInfo("America/New_York")
days = st.dates(min_value=date(2010, 1, 1), max_value=date(2028, 12, 31))
walls = st.one_of(quarter_hours, st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60)))


def _local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


@settings(max_examples=examples(400), deadline=None)
@given(zoned=zoned_instants, quiet=quiet_windows)
# Sydney has just fallen back from 03:00 AEDT to 02:00 AEST: 02:30 comes again at 16:30
# UTC, and the window starts then, not two days later.
@example(
    zoned=(SYDNEY, datetime(2026, 4, 4, 16, 0, tzinfo=UTC)),
    quiet=QuietHours(start=time(2, 30), end=time(9)),
)
# 01:59 in New York as the clocks jump from 02:00 to 03:00: a window from 02:30 begins at
# 03:00, not at 03:30 where resolve_local would put a 02:30 that does not exist.
@example(
    zoned=(NEW_YORK, datetime(2026, 3, 8, 6, 59, tzinfo=UTC)),
    quiet=QuietHours(start=time(2, 30), end=time(9)),
)
# Apia skipped 2011-12-30: from the afternoon of the 29th the next 00:00 on the wall is the
# jump itself, which lands at midnight of the 31st.
@example(
    zoned=(ZoneInfo("Pacific/Apia"), datetime(2011, 12, 30, 1, 0, tzinfo=UTC)),
    quiet=QuietHours(start=time(0), end=time(7)),
)
def test_next_quiet_start_is_the_first_quiet_moment_from_now(
    zoned: tuple[ZoneInfo, datetime], quiet: QuietHours
) -> None:
    tz, instant = zoned
    begins = next_quiet_start(instant, tz, quiet)
    assert begins is not None and begins >= instant and begins.tzinfo is UTC
    assert quiet.contains(begins.astimezone(tz).time())
    # A message found sendable now may go until then, and not a minute of that is quiet.
    probe = instant
    while probe < begins:
        assert not quiet.contains(probe.astimezone(tz).time()), probe
        probe += timedelta(minutes=1)


@settings(max_examples=examples(400), deadline=None)
@given(zoned=zoned_instants, quiet=quiet_windows)
# Quiet hours that end inside New York's skipped hour end at the jump (03:00), not 03:30.
@example(
    zoned=(NEW_YORK, datetime(2026, 3, 8, 5, 0, tzinfo=UTC)),
    quiet=QuietHours(start=time(21), end=time(2, 30)),
)
# Quiet hours 22:00-01:30 in New York on the night clocks fall back: 01:00-01:30 comes
# twice and is quiet both times: at 01:00 EST the window ends at 01:30 EST, not at a
# 01:30 EDT already past.
@example(
    zoned=(NEW_YORK, datetime(2026, 11, 1, 6, 0, tzinfo=UTC)),
    quiet=QuietHours(start=time(22), end=time(1, 30)),
)
def test_next_allowed_is_the_first_moment_quiet_hours_let_go(
    zoned: tuple[ZoneInfo, datetime], quiet: QuietHours
) -> None:
    tz, instant = zoned
    allowed = next_allowed(instant, tz, quiet)
    assert allowed >= instant and allowed.tzinfo is UTC
    assert not quiet.contains(allowed.astimezone(tz).time())
    probe = instant
    while probe < allowed:
        assert quiet.contains(probe.astimezone(tz).time()), probe
        probe += timedelta(minutes=1)
    # It ends where the wall clock reads the end of the window, or where a DST change
    # jumps past it: a DST change is the only way the wall clock skips a time.
    if allowed != instant and allowed.astimezone(tz).time() != quiet.end:
        assert allowed in transitions(tz) or _local(allowed, tz) - _local(
            allowed - timedelta(seconds=1), tz
        ) > timedelta(seconds=1)


@settings(max_examples=examples(500), deadline=None)
@given(day=days, wall=walls, tz=st.sampled_from(ZONES))
@example(day=date(2011, 12, 30), wall=time(10), tz=ZoneInfo("Pacific/Apia"))
@example(day=date(2026, 10, 4), wall=time(2, 15), tz=ZoneInfo("Australia/Lord_Howe"))
@example(day=date(2026, 11, 1), wall=time(1, 30), tz=NEW_YORK)
def test_resolve_local_is_exact_takes_the_first_of_two_or_moves_forward_by_the_gap(
    day: date, wall: time, tz: ZoneInfo
) -> None:
    naive = datetime.combine(day, wall)
    resolved = resolve_local(day, wall, tz)
    assert resolved.tzinfo is UTC
    if exists(naive, tz):
        assert _local(resolved, tz) == naive
        # The first occurrence: an hour (or 30 minutes) later it may read the same again,
        # but never earlier.
        earlier = [resolved - timedelta(minutes=m) for m in range(1, 25 * 60)]
        assert all(_local(moment, tz) != naive for moment in earlier)
    else:
        # Moved forward by exactly the length of the gap it fell into.
        change = next_offset_change(resolved - timedelta(days=2), resolved, tz)
        assert change is not None
        gap = _offset_after(change, tz) - _offset_after(change - timedelta(seconds=1), tz)
        assert _local(resolved, tz) - naive == gap > timedelta(0)


def _offset_after(instant: datetime, tz: ZoneInfo) -> timedelta:
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None
    return offset


@settings(max_examples=examples(500), deadline=None)
@given(day=days, wall=walls, tz=st.sampled_from(ZONES))
@example(day=date(2018, 11, 4), wall=time(0), tz=ZoneInfo("America/Sao_Paulo"))
@example(day=date(2011, 12, 30), wall=time(0), tz=ZoneInfo("Pacific/Apia"))
@example(day=date(2026, 9, 6), wall=time(0), tz=ZoneInfo("America/Santiago"))
def test_first_instant_of_is_the_first_moment_the_wall_clock_reaches_a_time(
    day: date, wall: time, tz: ZoneInfo
) -> None:
    target = datetime.combine(day, wall)
    first = first_instant_of(day, wall, tz)
    assert _local(first, tz) >= target
    assert _local(first - timedelta(seconds=1), tz) < target
    # Nothing in the two days before had reached it either (a fold cannot make it earlier).
    assert all(_local(first - timedelta(minutes=m), tz) < target for m in range(1, 48 * 60, 7))
    if exists(target, tz):
        assert _local(first, tz) == target


@settings(max_examples=examples(300), deadline=None)
@given(day=days, tz=st.sampled_from(ZONES))
def test_a_local_day_runs_from_its_start_to_the_next_days_start(day: date, tz: ZoneInfo) -> None:
    start, end = day_start(day, tz), day_start(day + timedelta(days=1), tz)
    assert start <= end
    # Every minute in between is on that date; the one before and the end are not. (Apia's
    # skipped 2011-12-30 is a day of no length.)
    assert _local(start - timedelta(seconds=1), tz).date() < day
    assert _local(end, tz).date() > day
    probe = start
    while probe < end:
        assert _local(probe, tz).date() == day
        probe += timedelta(minutes=13)
    assert (end - start) in {timedelta(hours=h) for h in (0, 23, 24, 25)} | {
        timedelta(hours=23, minutes=30),
        timedelta(hours=24, minutes=30),
    }


@pytest.mark.parametrize("tz", ZONES, ids=lambda tz: tz.key)
def test_the_zone_table_finds_each_zones_dst_changes(tz: ZoneInfo) -> None:
    """The transitions the properties aim at are really there (none for Kolkata)."""
    changes = transitions(tz)
    if tz.key == "Asia/Kolkata":
        assert changes == ()
    else:
        assert len(changes) >= 2
        for change in changes:
            assert (
                next_offset_change(change - timedelta(hours=3), change + timedelta(hours=3), tz)
                == change
            )
