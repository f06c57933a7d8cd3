from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from followup.planning.planner import (
    PAST_WHEN_PLANNED,
    AppointmentFacts,
    ExistingMessage,
    PatientFacts,
    next_allowed,
    plan_appointment,
    reconcile,
    resolve_local,
)
from followup.protocol import Protocol, QuietHours

NY = ZoneInfo("America/New_York")
REPLANNABLE = frozenset({"pending", "skipped", "cancelled"})


def patient(tz: ZoneInfo = NY, **overrides: bool) -> PatientFacts:
    values = {"has_phone": True, "has_email": True, "sms_consent": True, "email_consent": True}
    values.update(overrides)
    return PatientFacts(timezone=tz, **values)


def appointment(start_local: datetime, minutes: int = 90, **kwargs: object) -> AppointmentFacts:
    start = start_local.astimezone(UTC)
    return AppointmentFacts(
        start=start, end=start + timedelta(minutes=minutes), treatment=None, **kwargs
    )  # type: ignore[arg-type]


def by_key(plan: list) -> dict:  # type: ignore[type-arg]
    return {(m.step, m.channel): m for m in plan}


def test_send_time_in_spring_gap_moves_forward() -> None:
    # 2026-03-08 02:30 does not exist in New York: clocks jump from 02:00 to 03:00.
    instant = resolve_local(date(2026, 3, 8), time(2, 30), NY)
    assert instant.astimezone(NY).time() == time(3, 30)


def test_send_time_in_autumn_overlap_takes_first_occurrence() -> None:
    # 2026-11-01 01:30 happens twice in New York; the first is still daylight time (EDT).
    instant = resolve_local(date(2026, 11, 1), time(1, 30), NY)
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_checkin_after_spring_forward_stays_at_ten_local(protocol: Protocol) -> None:
    # Infusion on Saturday before the change; the day-1 check-in is on the change day.
    plan = by_key(
        plan_appointment(appointment(datetime(2026, 3, 7, 9, 0, tzinfo=NY)), patient(), protocol)
    )
    due = plan[("checkin_day1", "sms")].due_at
    assert due == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)  # 10:00 EDT
    assert due.astimezone(NY).time() == time(10, 0)


def test_preparation_is_48_real_hours_before_across_dst(protocol: Protocol) -> None:
    start = datetime(2026, 3, 9, 10, 0, tzinfo=NY)
    plan = by_key(plan_appointment(appointment(start), patient(), protocol))
    assert plan[("preparation", "sms")].due_at == start.astimezone(UTC) - timedelta(hours=48)


def test_quiet_hours_move_an_early_reminder_to_eight(protocol: Protocol) -> None:
    # 2 h before a 09:00 infusion is 07:00, inside 21:00-08:00.
    plan = by_key(
        plan_appointment(appointment(datetime(2026, 5, 4, 9, 0, tzinfo=NY)), patient(), protocol)
    )
    assert plan[("reminder", "sms")].due_at.astimezone(NY) == datetime(2026, 5, 4, 8, 0, tzinfo=NY)
    assert plan[("reminder", "sms")].skip_reason is None


def test_reminder_for_an_eight_oclock_infusion_is_skipped_not_sent_late(protocol: Protocol) -> None:
    plan = by_key(
        plan_appointment(appointment(datetime(2026, 5, 4, 8, 0, tzinfo=NY)), patient(), protocol)
    )
    assert (
        plan[("reminder", "sms")].skip_reason
        == "quiet hours leave no time to send it before it expires"
    )


def test_discharge_at_night_is_exempt_from_quiet_hours(protocol: Protocol) -> None:
    plan = by_key(
        plan_appointment(appointment(datetime(2026, 5, 4, 20, 0, tzinfo=NY)), patient(), protocol)
    )
    discharge = plan[("discharge", "sms")]
    assert discharge.due_at.astimezone(NY) == datetime(2026, 5, 4, 21, 30, tzinfo=NY)
    assert discharge.quiet_hours_exempt


def test_patient_zone_not_clinic_zone_sets_local_times(protocol: Protocol) -> None:
    sydney = ZoneInfo("Australia/Sydney")
    plan = by_key(
        plan_appointment(
            appointment(datetime(2026, 5, 4, 9, 0, tzinfo=sydney)), patient(sydney), protocol
        )
    )
    assert plan[("checkin_day3", "sms")].due_at.astimezone(sydney) == datetime(
        2026, 5, 7, 10, 0, tzinfo=sydney
    )


def test_patient_without_sms_consent_gets_no_sms(protocol: Protocol) -> None:
    plan = plan_appointment(
        appointment(datetime(2026, 5, 4, 11, 0, tzinfo=NY)), patient(sms_consent=False), protocol
    )
    sms = [m for m in plan if m.channel == "sms"]
    assert sms and all(m.skip_reason == "no SMS consent" for m in sms)
    assert all(m.skip_reason is None for m in plan if m.channel == "email")


def test_patient_without_phone_or_email_gets_nothing_on_that_channel(protocol: Protocol) -> None:
    plan = plan_appointment(
        appointment(datetime(2026, 5, 4, 11, 0, tzinfo=NY)),
        patient(has_phone=False, has_email=False),
        protocol,
    )
    reasons = {m.skip_reason for m in plan}
    assert reasons == {"no phone number", "no email address"}


def test_opted_out_patient_gets_no_sms(protocol: Protocol) -> None:
    plan = plan_appointment(
        appointment(datetime(2026, 5, 4, 11, 0, tzinfo=NY)), patient(sms_opted_out=True), protocol
    )
    assert {m.skip_reason for m in plan if m.channel == "sms"} == {"opted out of SMS"}


def test_next_infusion_reminder_only_when_the_series_has_one(protocol: Protocol) -> None:
    start = datetime(2026, 5, 4, 11, 0, tzinfo=NY)
    alone = by_key(plan_appointment(appointment(start), patient(), protocol))
    assert ("next_infusion", "sms") not in alone
    nxt = start + timedelta(days=3)
    series = by_key(
        plan_appointment(appointment(start, next_start=nxt.astimezone(UTC)), patient(), protocol)
    )
    reminder = series[("next_infusion", "sms")]
    assert reminder.due_at.astimezone(NY) == datetime(2026, 5, 5, 18, 0, tzinfo=NY)
    assert reminder.expires_at <= nxt


def test_cancelled_appointment_plans_nothing(protocol: Protocol) -> None:
    assert (
        plan_appointment(
            appointment(datetime(2026, 5, 4, 11, 0, tzinfo=NY), active=False), patient(), protocol
        )
        == []
    )


def test_pain_treatment_adds_a_day_fourteen_checkin(protocol: Protocol) -> None:
    start = datetime(2026, 5, 4, 11, 0, tzinfo=NY).astimezone(UTC)
    pain = AppointmentFacts(start=start, end=start + timedelta(hours=1), treatment="pain")
    steps = {m.step for m in plan_appointment(pain, patient(), protocol)}
    assert "checkin_day14" in steps
    default = AppointmentFacts(start=start, end=start + timedelta(hours=1), treatment="depression")
    assert "checkin_day14" not in {m.step for m in plan_appointment(default, patient(), protocol)}


def test_next_allowed_keeps_times_outside_quiet_hours() -> None:
    noon = datetime(2026, 5, 4, 16, 0, tzinfo=UTC)
    assert next_allowed(noon, NY, QuietHours()) == noon


def test_quiet_hours_that_do_not_wrap_midnight() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(13, 0))
    at = datetime(2026, 5, 4, 12, 15, tzinfo=NY)
    assert next_allowed(at, NY, lunch) == datetime(2026, 5, 4, 13, 0, tzinfo=NY)


def _existing(plan_msg, status: str = "pending", **changes: object) -> ExistingMessage:  # type: ignore[no-untyped-def]
    values = {
        "id": 1,
        "step": plan_msg.step,
        "channel": plan_msg.channel,
        "status": status,
        "due_at": plan_msg.due_at,
        "expires_at": plan_msg.expires_at,
        "status_reason": plan_msg.skip_reason,
    }
    values.update(changes)
    return ExistingMessage(**values)  # type: ignore[arg-type]


def test_reconcile_twice_changes_nothing(protocol: Protocol) -> None:
    plan = plan_appointment(
        appointment(datetime(2026, 5, 4, 11, 0, tzinfo=NY)), patient(), protocol
    )
    now = datetime(2026, 5, 1, tzinfo=UTC)
    existing = [
        _existing(m, "skipped" if m.skip_reason else "pending", id=i) for i, m in enumerate(plan)
    ]
    result = reconcile(existing, plan, now, REPLANNABLE, "gone")
    assert (result.insert, result.update, result.cancel) == ([], [], [])


def test_reconcile_moves_pending_and_leaves_sent_history(protocol: Protocol) -> None:
    old = plan_appointment(appointment(datetime(2026, 5, 4, 11, 0, tzinfo=NY)), patient(), protocol)
    new = plan_appointment(appointment(datetime(2026, 5, 6, 11, 0, tzinfo=NY)), patient(), protocol)
    existing = [
        _existing(m, "sent" if m.step == "preparation" else "pending", id=i)
        for i, m in enumerate(old)
    ]
    result = reconcile(existing, new, datetime(2026, 5, 1, tzinfo=UTC), REPLANNABLE, "gone")
    moved = {(m.step, m.channel) for _, m in result.update}
    assert ("preparation", "sms") not in moved
    assert ("reminder", "sms") in moved and ("checkin_day1", "sms") in moved


def test_reconcile_cancels_waiting_rows_of_a_cancelled_appointment(protocol: Protocol) -> None:
    old = plan_appointment(appointment(datetime(2026, 5, 4, 11, 0, tzinfo=NY)), patient(), protocol)
    existing = [
        _existing(m, "sent" if m.step == "preparation" else "pending", id=i)
        for i, m in enumerate(old)
    ]
    result = reconcile(
        existing, [], datetime(2026, 5, 1, tzinfo=UTC), REPLANNABLE, "appointment cancelled"
    )
    cancelled_ids = {row_id for row_id, _ in result.cancel}
    assert len(cancelled_ids) == len(old) - 2  # the two sent preparation rows stay
    assert all(reason == "appointment cancelled" for _, reason in result.cancel)


def test_reconcile_does_not_relabel_a_waiting_row_whose_time_passed(protocol: Protocol) -> None:
    plan = plan_appointment(
        appointment(datetime(2026, 5, 4, 11, 0, tzinfo=NY)), patient(), protocol
    )
    existing = [
        _existing(m, "skipped" if m.skip_reason else "pending", id=i) for i, m in enumerate(plan)
    ]
    much_later = datetime(2026, 6, 1, tzinfo=UTC)
    assert reconcile(existing, plan, much_later, REPLANNABLE, "gone").update == []
    fresh = reconcile([], plan, much_later, REPLANNABLE, "gone")
    assert len(fresh.insert) == len(plan)
    assert PAST_WHEN_PLANNED  # inserted rows are stored skipped with this reason by scheduling
