"""Property tests: the plan's time rules hold for any infusion time across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from followup.planner import (
    AppointmentFacts,
    PatientFacts,
    next_allowed,
    next_quiet_start,
    plan_appointment,
    resolve_local,
)
from followup.protocol import Protocol, QuietHours, load_protocol
from tests.conftest import ROOT

ZONES = [ZoneInfo(name) for name in ("America/New_York", "Europe/London", "Australia/Sydney")]
PROTOCOL: Protocol = load_protocol(ROOT / "config" / "protocol.toml")
QUIET = PROTOCOL.quiet_hours

# Every instant of 2026-2027 to the minute: both DST changes of each zone are inside.
instants = st.integers(min_value=0, max_value=2 * 365 * 24 * 60).map(
    lambda minutes: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
)
# DST changes themselves, where bugs live: the hours around each transition of 2026.
TRANSITIONS = [
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # New York spring forward
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),  # New York fall back
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # London spring forward
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # London fall back
    datetime(2026, 4, 4, 16, 0, tzinfo=UTC),  # Sydney fall back (southern autumn)
    datetime(2026, 10, 3, 16, 0, tzinfo=UTC),  # Sydney spring forward
]
near_transitions = st.builds(
    lambda base, minutes: base + timedelta(minutes=minutes),
    st.sampled_from(TRANSITIONS),
    st.integers(min_value=-8 * 24 * 60, max_value=8 * 24 * 60),
)
starts = st.one_of(instants, near_transitions)


def _patient(tz: ZoneInfo) -> PatientFacts:
    return PatientFacts(
        timezone=tz, has_phone=True, has_email=True, sms_consent=True, email_consent=True
    )


@settings(max_examples=300, deadline=None)
@given(
    start=starts,
    tz=st.sampled_from(ZONES),
    minutes=st.integers(30, 240),
    treatment=st.sampled_from([None, "pain"]),
)
def test_no_message_is_due_in_quiet_hours_unless_exempt(
    start: datetime, tz: ZoneInfo, minutes: int, treatment: str | None
) -> None:
    appt = AppointmentFacts(
        start=start, end=start + timedelta(minutes=minutes), treatment=treatment
    )
    for message in plan_appointment(appt, _patient(tz), PROTOCOL):
        assert message.due_at.tzinfo is UTC
        if not message.quiet_hours_exempt and message.skip_reason is None:
            assert not QUIET.contains(message.due_at.astimezone(tz).time()), message


@settings(max_examples=300, deadline=None)
@given(start=starts, tz=st.sampled_from(ZONES))
def test_sendable_messages_go_before_they_expire(start: datetime, tz: ZoneInfo) -> None:
    appt = AppointmentFacts(
        start=start,
        end=start + timedelta(minutes=90),
        treatment=None,
        next_start=start + timedelta(days=3),
    )
    for message in plan_appointment(appt, _patient(tz), PROTOCOL):
        if message.skip_reason is None:
            assert message.due_at < message.expires_at
        if message.kind in ("preparation", "reminder"):
            assert message.expires_at <= start


@settings(max_examples=300, deadline=None)
@given(start=starts, tz=st.sampled_from(ZONES))
def test_day_after_checkins_land_on_the_right_local_day_at_ten(
    start: datetime, tz: ZoneInfo
) -> None:
    appt = AppointmentFacts(start=start, end=start + timedelta(minutes=90), treatment=None)
    infusion_day = start.astimezone(tz).date()
    for message in plan_appointment(appt, _patient(tz), PROTOCOL):
        if message.kind == "checkin":
            local = message.due_at.astimezone(tz)
            days = int(message.step.removeprefix("checkin_day"))
            assert local.date() == infusion_day + timedelta(days=days)
            assert (local.hour, local.minute) == (10, 0)  # no zone has a DST change at 10:00


@settings(max_examples=500, deadline=None)
@given(instant=starts, tz=st.sampled_from(ZONES))
def test_next_allowed_moves_forward_at_most_to_the_end_of_the_window(
    instant: datetime, tz: ZoneInfo
) -> None:
    moved = next_allowed(instant, tz, QUIET)
    assert moved >= instant
    assert not QUIET.contains(moved.astimezone(tz).time())
    if moved != instant:
        assert moved.astimezone(tz).time() == QUIET.end
        # Nothing allowed was skipped over: every minute in between was quiet.
        assert moved - instant <= timedelta(hours=12)


# Quiet windows that wrap midnight, stay inside one day, or begin inside a DST gap.
windows = st.sampled_from(
    [
        QUIET,
        QuietHours(start=time(0, 0), end=time(7, 0)),
        QuietHours(start=time(2, 30), end=time(9, 0)),
    ]
)


@settings(max_examples=300, deadline=None)
@given(instant=starts, tz=st.sampled_from(ZONES), quiet=windows)
# 01:59 in New York as the clocks jump from 02:00 to 03:00: a window from 02:30 begins at
# 03:00, not at 03:30 where resolve_local would put a 02:30 that does not exist.
@example(
    instant=datetime(2026, 3, 8, 6, 59, tzinfo=UTC),
    tz=ZoneInfo("America/New_York"),
    quiet=QuietHours(start=time(2, 30), end=time(9, 0)),
)
def test_next_quiet_start_is_the_first_quiet_moment_from_now(
    instant: datetime, tz: ZoneInfo, quiet: QuietHours
) -> None:
    begins = next_quiet_start(instant, tz, quiet)
    assert begins is not None and begins >= instant
    assert quiet.contains(begins.astimezone(tz).time())
    assert begins - instant <= timedelta(hours=25)
    # A message found sendable now may go until then, and not a minute of that is quiet.
    probe = instant
    while probe < begins:
        assert not quiet.contains(probe.astimezone(tz).time())
        probe += timedelta(minutes=1)


def test_no_quiet_window_never_begins() -> None:
    always = QuietHours(start=time(8, 0), end=time(8, 0))
    assert next_quiet_start(datetime(2026, 1, 1, tzinfo=UTC), ZONES[0], always) is None


@settings(max_examples=500, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    minute=st.integers(0, 24 * 60 - 1),
    tz=st.sampled_from(ZONES),
)
def test_resolve_local_is_exact_or_moves_forward_out_of_a_gap(day, minute, tz) -> None:  # type: ignore[no-untyped-def]
    wall = time(minute // 60, minute % 60)
    local = resolve_local(day, wall, tz).astimezone(tz)
    naive = datetime.combine(day, wall)
    shift = local.replace(tzinfo=None) - naive
    assert shift == timedelta(0) or timedelta(0) < shift <= timedelta(hours=1)
    if shift:
        # Only a wall time that does not exist may move.
        assert (
            datetime.combine(day, wall, tzinfo=tz)
            .astimezone(UTC)
            .astimezone(tz)
            .replace(tzinfo=None)
            != naive
        )


@settings(max_examples=200, deadline=None)
@given(start=starts, tz=st.sampled_from(ZONES))
def test_planning_is_deterministic(start: datetime, tz: ZoneInfo) -> None:
    appt = AppointmentFacts(start=start, end=start + timedelta(minutes=90), treatment=None)
    assert plan_appointment(appt, _patient(tz), PROTOCOL) == plan_appointment(
        appt, _patient(tz), PROTOCOL
    )


def test_quiet_window_of_equal_bounds_is_never_quiet() -> None:
    never = QuietHours(start=time(8), end=time(8))
    assert not never.contains(time(8))
