"""Property tests: the plan's time rules hold for any infusion time across DST changes.

The zones and instants come from tests/unit/zones.py: the suite's zones plus the ones with
unusual transitions, aimed at their DST changes two times out of three.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from followup.core.clock import resolve_local
from followup.planning.planner import AppointmentFacts, PatientFacts, next_allowed, plan_appointment
from followup.protocol import Protocol, QuietHours, Step, load_protocol
from tests.conftest import ROOT, examples
from tests.unit.zones import exists, quarter_hours, quiet_windows, zoned_instants

PROTOCOL: Protocol = load_protocol(ROOT / "config" / "protocol.toml")
QUIET = PROTOCOL.quiet_hours


def _patient(tz: ZoneInfo) -> PatientFacts:
    return PatientFacts(
        timezone=tz, has_phone=True, has_email=True, sms_consent=True, email_consent=True
    )


@settings(max_examples=examples(300), deadline=None)
@given(
    zoned=zoned_instants,
    minutes=st.integers(30, 240),
    treatment=st.sampled_from([None, "pain"]),
)
def test_no_message_is_due_in_quiet_hours_unless_exempt(
    zoned: tuple[ZoneInfo, datetime], minutes: int, treatment: str | None
) -> None:
    tz, start = zoned
    appt = AppointmentFacts(
        start=start, end=start + timedelta(minutes=minutes), treatment=treatment
    )
    for message in plan_appointment(appt, _patient(tz), PROTOCOL):
        assert message.due_at.tzinfo is UTC
        if not message.quiet_hours_exempt and message.skip_reason is None:
            assert not QUIET.contains(message.due_at.astimezone(tz).time()), message


@settings(max_examples=examples(300), deadline=None)
@given(zoned=zoned_instants)
def test_sendable_messages_go_before_they_expire(zoned: tuple[ZoneInfo, datetime]) -> None:
    tz, start = zoned
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


@settings(max_examples=examples(300), deadline=None)
@given(zoned=zoned_instants)
def test_day_after_checkins_land_on_the_right_local_day_at_ten(
    zoned: tuple[ZoneInfo, datetime],
) -> None:
    tz, start = zoned
    appt = AppointmentFacts(start=start, end=start + timedelta(minutes=90), treatment=None)
    infusion_day = start.astimezone(tz).date()
    for message in plan_appointment(appt, _patient(tz), PROTOCOL):
        if message.kind == "checkin" and message.step.startswith("checkin_day"):
            local = message.due_at.astimezone(tz)
            days = int(message.step.removeprefix("checkin_day"))
            wanted = datetime.combine(infusion_day + timedelta(days=days), time(10))
            if exists(wanted, tz):  # not on Apia's skipped 2011-12-30
                assert local.replace(tzinfo=None) == wanted


@settings(max_examples=examples(300), deadline=None)
@given(
    zoned=zoned_instants,
    quiet=quiet_windows,
    at=quarter_hours,
    day_after=st.integers(1, 3),
    before=st.integers(1, 72 * 4).map(lambda q: timedelta(minutes=15 * q)),
)
def test_steps_at_any_local_time_keep_any_quiet_window(
    zoned: tuple[ZoneInfo, datetime],
    quiet: QuietHours,
    at: time,
    day_after: int,
    before: timedelta,
) -> None:
    """Step times and quiet windows that start, end or sit inside a fold or a gap."""
    tz, start = zoned
    protocol = PROTOCOL.model_copy(
        update={
            "quiet_hours": quiet,
            "resolved": {
                PROTOCOL.default_treatment: (
                    Step(
                        key="checkin",
                        kind="checkin",
                        channels=["sms"],
                        day_after=day_after,
                        local_time=at,
                        expires_after=timedelta(days=1),
                    ),
                    Step(key="prep", kind="preparation", channels=["sms"], before_start=before),
                )
            },
        }
    )
    appt = AppointmentFacts(start=start, end=start + timedelta(minutes=90), treatment=None)
    planned = {m.step: m for m in plan_appointment(appt, _patient(tz), protocol)}
    checkin_day = start.astimezone(tz).date() + timedelta(days=day_after)
    nominal = {
        "checkin": resolve_local(checkin_day, at, tz),
        "prep": start - before,
    }
    wanted = datetime.combine(checkin_day, at)
    if exists(wanted, tz):
        # The first time the wall clock reads the step's time, never the repeat.
        assert nominal["checkin"].astimezone(tz).replace(tzinfo=None) == wanted
    for key, message in planned.items():
        assert message.due_at == next_allowed(nominal[key], tz, quiet)
        if message.skip_reason is None:
            assert not quiet.contains(message.due_at.astimezone(tz).time()), message
            assert message.due_at < message.expires_at


@settings(max_examples=examples(200), deadline=None)
@given(zoned=zoned_instants)
def test_planning_is_deterministic(zoned: tuple[ZoneInfo, datetime]) -> None:
    tz, start = zoned
    appt = AppointmentFacts(start=start, end=start + timedelta(minutes=90), treatment=None)
    assert plan_appointment(appt, _patient(tz), PROTOCOL) == plan_appointment(
        appt, _patient(tz), PROTOCOL
    )


def test_quiet_window_of_equal_bounds_is_never_quiet() -> None:
    never = QuietHours(start=time(8), end=time(8))
    assert not never.contains(time(8))
