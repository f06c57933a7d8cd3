"""A patient's infusions planned together: series, supersession, the chair, the cap, each
rule on a calendar small enough to read, and each one's switch."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from followup.core.clock import resolve_local
from followup.planning.plan import Infusion, PatientPlan, plan_patient
from followup.planning.planner import PatientFacts, PlannedMessage
from followup.planning.rules import Sent
from followup.planning.series import find_series
from followup.protocol import Protocol

CHICAGO = ZoneInfo("America/Chicago")
BEFORE = datetime(2026, 2, 1, tzinfo=UTC)
MON_WED_FRI = (2, 4, 6, 9, 11, 13)  # March 2026


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime:
    return resolve_local(date(2026, month, day), time(hour, minute), CHICAGO)


def infusion(
    key: int,
    day: int,
    hour: int = 9,
    minutes: int = 90,
    *,
    month: int = 3,
    treatment: str = "depression",
    active: bool = True,
) -> Infusion:
    start = at(day, hour, month=month)
    return Infusion(key, start, start + timedelta(minutes=minutes), treatment, active)


def series(days: tuple[int, ...] = MON_WED_FRI) -> list[Infusion]:
    return [infusion(key, day) for key, day in enumerate(days, start=1)]


PATIENT = PatientFacts(
    timezone=CHICAGO, has_phone=True, has_email=True, sms_consent=True, email_consent=True
)


def plan(
    infusions: list[Infusion], protocol: Protocol, now: datetime = BEFORE, history=()
) -> PatientPlan:  # type: ignore[no-untyped-def]
    return plan_patient(infusions, PATIENT, protocol, now, history)


def changed(protocol: Protocol, **rules: object) -> Protocol:
    return protocol.model_copy(update={"planning": protocol.planning.model_copy(update=rules)})


def sms(planned: PatientPlan, key: int, step: str) -> PlannedMessage:
    return next(m for m in planned.messages[key] if m.step == step and m.channel == "sms")


# --- Series -------------------------------------------------------------------------------


def test_a_mon_wed_fri_series_is_six_infusions_and_a_booster_weeks_later_its_own() -> None:
    infusions = [*series(), infusion(7, 10, month=4)]
    places = find_series(infusions, CHICAGO, timedelta(days=7), "depression")
    assert [places[k].describe() for k in range(1, 8)] == [
        *(f"{n} of 6" for n in range(1, 7)),
        "1 of 1",
    ]
    assert places[6].last and not places[5].last and places[5].next_in_series
    assert places[6].following == infusions[6] and not places[6].next_in_series


def test_weekly_infusions_across_a_dst_change_stay_one_series_by_the_wall_clock() -> None:
    # Monday 2 and Monday 9 March, 09:00 both: 7 days on the wall clock, 6 days 23 h apart
    # in real time here (spring forward); in autumn 7 days 1 h, which the wall clock keeps.
    infusions = [infusion(1, 2), infusion(2, 9)]
    autumn = [
        Infusion(1, resolve_local(date(2026, 10, 26), time(9), CHICAGO), at(27, month=10), "x"),
        Infusion(2, resolve_local(date(2026, 11, 2), time(9), CHICAGO), at(3, month=11), "x"),
    ]
    assert autumn[1].start - autumn[0].start == timedelta(days=7, hours=1)
    for pair in (infusions, autumn):
        places = find_series(pair, CHICAGO, timedelta(days=7), "depression")
        assert places[2].describe() == "2 of 2"


def test_another_treatment_a_cancelled_infusion_and_a_gap_of_zero_break_or_skip_a_series() -> None:
    mixed = [infusion(1, 2), infusion(2, 4, treatment="pain"), infusion(3, 6, active=False)]
    places = find_series(mixed, CHICAGO, timedelta(days=7), "depression")
    assert [places[k].describe() for k in (1, 2)] == ["1 of 1", "1 of 1"]
    assert 3 not in places  # cancelled: no place, and it breaks nothing
    alone = find_series(series(), CHICAGO, timedelta(0), "depression")
    assert {p.describe() for p in alone.values()} == {"1 of 1"}


# --- One preparation a series; the discharge and the reminder carry the rest ----------------


def test_only_the_first_infusion_is_prepared_and_the_later_ones_say_why_not(
    protocol: Protocol,
) -> None:
    planned = plan(series(), protocol)
    assert sms(planned, 1, "preparation").skip_reason is None
    for key in range(2, 7):
        reason = sms(planned, key, "preparation").skip_reason or ""
        assert reason.startswith("one preparation a series: the discharge after the infusion")
        assert sms(planned, key, "reminder").skip_reason is None
        assert sms(planned, key, "discharge").skip_reason is None
    assert sms(planned, 1, "next_infusion").skip_reason == (
        "one preparation a series: the discharge names the next infusion"
    )


def test_with_every_infusion_prepared_the_one_in_the_chair_goes_after_the_discharge(
    protocol: Protocol,
) -> None:
    planned = plan(series(), changed(protocol, series_preparation="every_infusion"))
    # 48 h before Wednesday 09:00 is Monday 09:00: the patient is in the chair until 10:30.
    wednesday = sms(planned, 2, "preparation")
    assert wednesday.skip_reason is None
    assert wednesday.due_at == at(2, 10, 31, month=3)
    assert (wednesday.note or "").startswith(
        "moved out of the chair: due during the infusion of Mon 2 Mar 09:00-10:30 CST"
    )


def test_evening_before_asks_about_the_ride_the_evening_before_each_later_infusion(
    protocol: Protocol,
) -> None:
    planned = plan(series(), changed(protocol, series_preparation="evening_before"))
    for key, day in zip(range(1, 6), MON_WED_FRI[1:], strict=True):
        note = sms(planned, key, "next_infusion")
        assert note.skip_reason is None
        assert note.due_at == at(day - 1, 18, 0, month=3)
        assert note.expires_at <= at(day)
    assert (sms(planned, 3, "preparation").skip_reason or "").endswith("the evening before")


# --- Check-ins follow the latest infusion ---------------------------------------------------


def test_cancelling_infusion_four_brings_back_the_check_in_it_had_superseded(
    protocol: Protocol,
) -> None:
    before = plan(series(), protocol)
    # Friday's day-3 check-in falls on Monday 10:00, after infusion 4 began at 09:00.
    assert (sms(before, 3, "checkin_day3").skip_reason or "").startswith(
        "superseded: the infusion of Mon 9 Mar 09:00-10:30 CDT starts before it is due"
    )
    infusions = series()
    infusions[3] = Infusion(4, infusions[3].start, infusions[3].end, "depression", active=False)
    after = plan(infusions, protocol)
    assert sms(after, 3, "checkin_day3").skip_reason is None
    assert sms(after, 3, "checkin_day3").due_at == at(9, 10, 0, month=3)
    assert 4 not in after.messages
    assert after.places[5].describe() == "4 of 5"


def test_moving_an_infusion_moves_its_check_ins_and_re_decides_its_neighbours(
    protocol: Protocol,
) -> None:
    infusions = series()
    infusions[3] = infusion(4, 10)  # Monday 9 to Tuesday 10 March
    planned = plan(infusions, protocol)
    assert sms(planned, 4, "reminder").due_at == at(10, 8, 0, month=3)
    assert sms(planned, 4, "checkin_day1").due_at == at(11, 10, 0, month=3)
    # Wednesday's infusion starts at 09:00, before the day-1 check-in at 10:00.
    assert (sms(planned, 4, "checkin_day1").skip_reason or "").startswith("superseded")
    # Friday's day-3 check-in on Monday is now 23 h before the next infusion: it goes.
    assert sms(planned, 3, "checkin_day3").skip_reason is None


def test_a_check_in_within_the_margin_before_an_infusion_is_superseded(
    protocol: Protocol,
) -> None:
    # Tuesday 20:00 infusion: Monday's day-1 check-in at Tuesday 10:00 is 10 h before it.
    planned = plan([infusion(1, 2), infusion(2, 3, hour=20)], protocol)
    assert sms(planned, 1, "checkin_day1").skip_reason == (
        "superseded: the infusion of Tue 3 Mar 20:00-21:30 CST starts within 12h after it is due"
    )
    wider = plan(
        [infusion(1, 2), infusion(2, 3, hour=20)], changed(protocol, checkin_margin=timedelta(0))
    )
    goes = sms(wider, 1, "checkin_day1")
    assert goes.skip_reason is None and goes.expires_at <= at(3, 20)


def test_without_supersession_check_ins_still_keep_to_one_a_day_and_out_of_the_chair(
    protocol: Protocol,
) -> None:
    planned = plan(series(), changed(protocol, supersede_checkins=False))
    # Thursday has Monday's day-3 check-in and Wednesday's day-1: the later infusion's wins.
    assert sms(planned, 2, "checkin_day1").skip_reason is None
    assert (sms(planned, 1, "checkin_day3").skip_reason or "").startswith(
        "one check-in a day: checkin_day1 for the infusion of Wed 4 Mar"
    )
    # Monday 9 at 10:00 falls in the chair of that day's infusion (09:00-10:30).
    moved = sms(planned, 1, "checkin_day7")
    assert moved.skip_reason is None or moved.skip_reason.startswith("one check-in a day")


def test_a_check_in_that_already_went_that_day_keeps_the_day(protocol: Protocol) -> None:
    # Saturday's day-3 check-in went on Tuesday at 10:00, before Monday's infusion was
    # booked (which would have superseded it). Monday's own day-1 check-in is due at the
    # same moment and would go at once: it is not a second survey that day.
    went = [Sent(1, "checkin_day3", "sms", "checkin", at(3, 10))]
    infusions = [infusion(1, 28, month=2), infusion(2, 2)]
    planned = plan(infusions, protocol, at(3, 10, 5), went)
    assert sms(planned, 2, "checkin_day1").skip_reason == (
        "one check-in a day: one already went to the patient that day"
    )
    assert sms(plan(infusions, protocol), 2, "checkin_day1").skip_reason is None


# --- The daily cap ----------------------------------------------------------------------------


def test_the_daily_cap_keeps_the_reminder_and_drops_the_preparation_with_its_reason(
    protocol: Protocol,
) -> None:
    # A pain infusion on Wednesday starts its own series: its preparation is Monday's
    # third SMS after the reminder and... the cap of one keeps only the reminder.
    infusions = [infusion(1, 2), infusion(2, 4, treatment="pain")]
    planned = plan(infusions, changed(protocol, max_sms_per_day=1))
    preparation = sms(planned, 2, "preparation")
    assert preparation.skip_reason == "daily cap of 1 SMS: that day has reminder"
    email = next(m for m in planned.messages[2] if m.step == "preparation" and m.channel == "email")
    assert email.skip_reason is None  # the cap counts SMS only
    assert sms(planned, 1, "discharge").skip_reason is None  # never counted, always goes
    uncapped = plan(infusions, changed(protocol, max_sms_per_day=0))
    assert sms(uncapped, 2, "preparation").skip_reason is None


def test_an_sms_already_sent_counts_for_its_day(protocol: Protocol) -> None:
    went = [Sent(9, "checkin_day1", "sms", "checkin", at(2, 8, 30))]  # an old infusion's
    planned = plan([infusion(1, 2)], changed(protocol, max_sms_per_day=1), at(2, 7), went)
    assert sms(planned, 1, "reminder").skip_reason == ("daily cap of 1 SMS: that day has 1 sent")


# --- After the series only --------------------------------------------------------------------


def test_the_booster_reminder_follows_the_last_infusion_only_while_nothing_is_booked(
    protocol: Protocol,
) -> None:
    planned = plan(series(), protocol)
    assert "booster_reminder" not in {m.step for m in planned.messages[5]}
    assert planned.absent[5]["booster_reminder"] == "after the series only: this is infusion 5 of 6"
    booster = sms(planned, 6, "booster_reminder")
    assert booster.skip_reason is None and booster.due_at == at(10, 10, 0, month=4)
    booked = plan([*series(), infusion(7, 4, month=5)], protocol)
    assert sms(booked, 6, "booster_reminder").skip_reason == (
        "booster reminder: a later infusion is booked (Mon 4 May 09:00 CDT)"
    )
    for step in ("checkin_day1", "checkin_day3", "checkin_day7"):
        assert sms(booked, 6, step).skip_reason is None


def test_a_step_after_the_series_only_is_planned_again_when_the_last_infusion_changes(
    protocol: Protocol,
) -> None:
    infusions = series()
    infusions[5] = Infusion(6, infusions[5].start, infusions[5].end, "depression", active=False)
    planned = plan(infusions, protocol)
    assert sms(planned, 5, "booster_reminder").skip_reason is None
    assert planned.places[5].describe() == "5 of 5"


# --- Every infusion reminded ------------------------------------------------------------------


def test_an_early_infusion_is_reminded_the_evening_before_not_skipped(protocol: Protocol) -> None:
    # 2 h before 08:00 is 06:00, in quiet hours until 08:00: no time that morning.
    planned = plan([infusion(1, 2, hour=8), infusion(2, 4, hour=7)], protocol)
    for key in (1, 2):
        reminder = sms(planned, key, "reminder")
        assert reminder.skip_reason is None
        assert reminder.note == "the evening before: quiet hours leave no time that morning"
    assert sms(planned, 1, "reminder").due_at == resolve_local(date(2026, 3, 1), time(20), CHICAGO)
    assert sms(planned, 2, "reminder").due_at == at(3, 20)
    nine = plan([infusion(1, 2, hour=9)], protocol)
    assert sms(nine, 1, "reminder").due_at == at(2, 8) and sms(nine, 1, "reminder").note is None
