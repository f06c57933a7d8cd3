"""The rating scales are planned like any check-in: once a series, in waking hours, and
never to a patient who opted out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from followup.core.clock import resolve_local
from followup.planning.plan import Infusion, PatientPlan, plan_patient
from followup.planning.planner import PatientFacts, PlannedMessage
from followup.protocol import Protocol

NEW_YORK = ZoneInfo("America/New_York")
BEFORE = datetime(2026, 2, 1, tzinfo=UTC)


def infusions(*days: date, hour: int = 9) -> list[Infusion]:
    found = []
    for key, day in enumerate(days, start=1):
        start = resolve_local(day, time(hour), NEW_YORK)
        found.append(Infusion(key, start, start + timedelta(minutes=90), "depression"))
    return found


def plan(protocol: Protocol, planned: list[Infusion], **facts: bool) -> PatientPlan:
    patient = PatientFacts(
        timezone=NEW_YORK,
        has_phone=True,
        has_email=False,
        sms_consent=True,
        email_consent=False,
        **facts,  # type: ignore[arg-type]
    )
    return plan_patient(planned, patient, protocol, BEFORE)


def step(planned: PatientPlan, key: int, name: str) -> PlannedMessage | None:
    return next((m for m in planned.messages[key] if m.step == name), None)


def test_the_baseline_goes_the_day_before_the_first_infusion_of_each_series_only(
    protocol: Protocol,
) -> None:
    # A series of three, then a booster five weeks later: a new series, a new baseline.
    planned = plan(
        protocol, infusions(date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6), date(2026, 4, 10))
    )
    first = step(planned, 1, "scales_baseline")
    assert first is not None and first.skip_reason is None
    assert first.due_at.astimezone(NEW_YORK) == datetime(2026, 3, 1, 9, tzinfo=NEW_YORK)
    # It expires 20 h on, before the infusion starts: answers count until then.
    assert first.expires_at < resolve_local(date(2026, 3, 2), time(9), NEW_YORK)
    for later in (2, 3):
        assert step(planned, later, "scales_baseline") is None
    booster = step(planned, 4, "scales_baseline")
    assert booster is not None and booster.skip_reason is None


def test_day_7_after_the_series_asks_the_scales_again(protocol: Protocol) -> None:
    planned = plan(protocol, infusions(date(2026, 3, 2), date(2026, 3, 4)))
    day7 = step(planned, 2, "checkin_day7")
    assert day7 is not None and day7.skip_reason is None and day7.template == "scales"
    assert day7.due_at.astimezone(NEW_YORK) == datetime(2026, 3, 11, 10, tzinfo=NEW_YORK)


def test_a_baseline_that_would_fall_in_quiet_hours_waits_for_morning(protocol: Protocol) -> None:
    # A 07:00 infusion: 24 h before is 07:00, inside quiet hours (21:00 to 08:00).
    planned = plan(protocol, infusions(date(2026, 3, 10), hour=7))
    baseline = step(planned, 1, "scales_baseline")
    assert baseline is not None and baseline.skip_reason is None
    assert baseline.due_at.astimezone(NEW_YORK) == datetime(2026, 3, 9, 8, tzinfo=NEW_YORK)


def test_a_patient_who_opted_out_gets_no_scales(protocol: Protocol) -> None:
    planned = plan(protocol, infusions(date(2026, 3, 10)), sms_opted_out=True)
    baseline = step(planned, 1, "scales_baseline")
    assert baseline is not None and baseline.skip_reason == "opted out of SMS"
