"""The Mon/Wed/Fri x 6 series of the issue, planned message by message.

Six infusions, Monday 2 to Friday 13 March 2026, 09:00-10:30 in Chicago (clocks go
forward on Sunday 8 March), under the shipped protocol. Each line is one step of one
infusion: its place in the series, its local time, its channels, and either "goes" or
the rule that dropped it. Read it against the issue: one preparation, every infusion
reminded and discharged, the rating scales the day before the first, one check-in a day and none in the chair or the 12 hours
before an infusion, days 1, 3 and 7 after the last infusion, at most 3 SMS a day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from followup.core.clock import resolve_local
from followup.planning.plan import Infusion, PatientPlan, plan_patient
from followup.planning.planner import PatientFacts
from followup.protocol import Protocol
from tests.unit.series_rules import violations

CHICAGO = ZoneInfo("America/Chicago")
DAYS = (2, 4, 6, 9, 11, 13)
BEFORE = datetime(2026, 2, 1, tzinfo=UTC)

GOLDEN = """
1 of 6  Sat 28 Feb 09:00  preparation    sms+email goes
1 of 6  Sun 01 Mar 09:00  scales_baseline sms       goes
1 of 6  Mon 02 Mar 08:00  reminder       sms       goes
2 of 6  Mon 02 Mar 09:00  preparation    sms+email one preparation a series: the discharge after the infusion of Mon 2 Mar 09:00-10:30 CST names this one, same preparation
1 of 6  Mon 02 Mar 10:30  discharge      sms+email goes
1 of 6  Tue 03 Mar 10:00  checkin_day1   sms       goes
1 of 6  Tue 03 Mar 18:00  next_infusion  sms       one preparation a series: the discharge names the next infusion
2 of 6  Wed 04 Mar 08:00  reminder       sms       goes
3 of 6  Wed 04 Mar 09:00  preparation    sms+email one preparation a series: the discharge after the infusion of Wed 4 Mar 09:00-10:30 CST names this one, same preparation
2 of 6  Wed 04 Mar 10:30  discharge      sms+email goes
1 of 6  Thu 05 Mar 10:00  checkin_day3   sms       superseded: the infusion of Wed 4 Mar 09:00-10:30 CST starts before it is due
2 of 6  Thu 05 Mar 10:00  checkin_day1   sms       goes
2 of 6  Thu 05 Mar 18:00  next_infusion  sms       one preparation a series: the discharge names the next infusion
3 of 6  Fri 06 Mar 08:00  reminder       sms       goes
3 of 6  Fri 06 Mar 10:30  discharge      sms+email goes
4 of 6  Sat 07 Mar 08:00  preparation    sms+email one preparation a series: the discharge after the infusion of Fri 6 Mar 09:00-10:30 CST names this one, same preparation
2 of 6  Sat 07 Mar 10:00  checkin_day3   sms       superseded: the infusion of Fri 6 Mar 09:00-10:30 CST starts before it is due
3 of 6  Sat 07 Mar 10:00  checkin_day1   sms       goes
3 of 6  Sat 07 Mar 18:00  next_infusion  sms       one preparation a series: the discharge names the next infusion
4 of 6  Mon 09 Mar 08:00  reminder       sms       goes
5 of 6  Mon 09 Mar 09:00  preparation    sms+email one preparation a series: the discharge after the infusion of Mon 9 Mar 09:00-10:30 CDT names this one, same preparation
1 of 6  Mon 09 Mar 10:00  checkin_day7   sms+email superseded: the infusion of Wed 4 Mar 09:00-10:30 CST starts before it is due
3 of 6  Mon 09 Mar 10:00  checkin_day3   sms       superseded: the infusion of Mon 9 Mar 09:00-10:30 CDT starts before it is due
4 of 6  Mon 09 Mar 10:30  discharge      sms+email goes
4 of 6  Tue 10 Mar 10:00  checkin_day1   sms       goes
4 of 6  Tue 10 Mar 18:00  next_infusion  sms       one preparation a series: the discharge names the next infusion
5 of 6  Wed 11 Mar 08:00  reminder       sms       goes
6 of 6  Wed 11 Mar 09:00  preparation    sms+email one preparation a series: the discharge after the infusion of Wed 11 Mar 09:00-10:30 CDT names this one, same preparation
2 of 6  Wed 11 Mar 10:00  checkin_day7   sms+email superseded: the infusion of Fri 6 Mar 09:00-10:30 CST starts before it is due
5 of 6  Wed 11 Mar 10:30  discharge      sms+email goes
4 of 6  Thu 12 Mar 10:00  checkin_day3   sms       superseded: the infusion of Wed 11 Mar 09:00-10:30 CDT starts before it is due
5 of 6  Thu 12 Mar 10:00  checkin_day1   sms       goes
5 of 6  Thu 12 Mar 18:00  next_infusion  sms       one preparation a series: the discharge names the next infusion
6 of 6  Fri 13 Mar 08:00  reminder       sms       goes
3 of 6  Fri 13 Mar 10:00  checkin_day7   sms+email superseded: the infusion of Mon 9 Mar 09:00-10:30 CDT starts before it is due
6 of 6  Fri 13 Mar 10:30  discharge      sms+email goes
5 of 6  Sat 14 Mar 10:00  checkin_day3   sms       superseded: the infusion of Fri 13 Mar 09:00-10:30 CDT starts before it is due
6 of 6  Sat 14 Mar 10:00  checkin_day1   sms       goes
4 of 6  Mon 16 Mar 10:00  checkin_day7   sms+email superseded: the infusion of Wed 11 Mar 09:00-10:30 CDT starts before it is due
6 of 6  Mon 16 Mar 10:00  checkin_day3   sms       goes
5 of 6  Wed 18 Mar 10:00  checkin_day7   sms+email superseded: the infusion of Fri 13 Mar 09:00-10:30 CDT starts before it is due
6 of 6  Fri 20 Mar 10:00  checkin_day7   sms+email goes
6 of 6  Fri 10 Apr 10:00  booster_reminder sms       goes
"""


def series() -> list[Infusion]:
    infusions = []
    for key, day in enumerate(DAYS, start=1):
        start = resolve_local(date(2026, 3, day), time(9), CHICAGO)
        infusions.append(Infusion(key, start, start + timedelta(minutes=90), "depression"))
    return infusions


def plan(protocol: Protocol) -> PatientPlan:
    patient = PatientFacts(
        timezone=CHICAGO, has_phone=True, has_email=True, sms_consent=True, email_consent=True
    )
    return plan_patient(series(), patient, protocol, BEFORE)


def lines(planned: PatientPlan) -> list[str]:
    """One line a step and outcome: channels that share a time and a fate are joined."""
    rows = []
    for infusion in series():
        place = planned.places[infusion.key].describe()
        grouped: dict[tuple[str, datetime, str | None], list[str]] = {}
        for m in planned.messages[infusion.key]:
            grouped.setdefault((m.step, m.due_at, m.skip_reason), []).append(m.channel)
        for (step, due, reason), channels in grouped.items():
            local = due.astimezone(CHICAGO)
            text = f"{place}  {local:%a %d %b %H:%M}  {step:<14} {'+'.join(channels):<9} {reason or 'goes'}"
            rows.append((due, text))
    return [text for _, text in sorted(rows)]


def test_the_mon_wed_fri_series_is_planned_as_a_nurse_would_message_by_message(
    protocol: Protocol,
) -> None:
    assert lines(plan(protocol)) == GOLDEN.strip().splitlines()


def test_the_mon_wed_fri_series_sends_22_sms_in_the_issues_five_weeks_instead_of_41(
    protocol: Protocol,
) -> None:
    planned = plan(protocol)
    start, end = datetime(2026, 2, 27, 14, tzinfo=UTC), datetime(2026, 4, 3, 13, tzinfo=UTC)
    sms = [
        m
        for messages in planned.messages.values()
        for m in messages
        if m.channel == "sms" and m.skip_reason is None and start <= m.due_at < end
    ]
    # 21 when the issue measured it; the baseline rating scales the day before are one more.
    assert len(sms) == 22
    assert violations(planned, series(), protocol, CHICAGO, BEFORE) == []
