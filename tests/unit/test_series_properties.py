"""Property tests: the series rules hold for any calendar, zone and DST date.

Calendars are series a clinic books (Mon/Wed/Fri, Tue/Thu, daily, weekly, a single
booster, or gaps drawn at random), at any quarter hour of the day, in the zones of
tests/unit/zones.py near their DST changes, some infusions cancelled or discharged late,
under the shipped protocol and under every setting of `[planning]`.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from followup.core.clock import resolve_local
from followup.planning.plan import Infusion, plan_patient
from followup.planning.planner import PatientFacts
from followup.planning.rules import Sent
from followup.protocol import Planning, Protocol, load_protocol
from tests.conftest import ROOT, examples
from tests.unit.series_rules import Going, going, violations
from tests.unit.zones import zoned_instants

PROTOCOL: Protocol = load_protocol(ROOT / "config" / "protocol.toml")
PATTERNS = {
    "mon_wed_fri": (0, 2, 4, 7, 9, 11),
    "tue_thu": (0, 2, 7, 9, 14, 16),
    "daily": (0, 1, 2, 3, 4),
    "weekly": (0, 7, 14, 21),
    "booster": (0,),
}
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def patient(tz: ZoneInfo) -> PatientFacts:
    return PatientFacts(
        timezone=tz, has_phone=True, has_email=True, sms_consent=True, email_consent=True
    )


offsets = st.one_of(
    st.sampled_from(list(PATTERNS.values())),
    # Gaps drawn at random, from a day to a fortnight: one infusion a day at most.
    st.lists(st.integers(1, 14), min_size=1, max_size=8).map(
        lambda gaps: tuple(sum(gaps[: i + 1]) - gaps[0] for i in range(len(gaps)))
    ),
)
# Mostly clinic hours; any quarter hour of the day now and then.
start_times = st.one_of(
    st.integers(7 * 4, 18 * 4), st.integers(7 * 4, 18 * 4), st.integers(0, 95)
).map(lambda q: time(q // 4, q % 4 * 15))
blocks = st.tuples(
    offsets,
    start_times,
    st.integers(6, 48).map(lambda n: timedelta(minutes=5 * n)),  # 30 min to 4 h
    st.sampled_from(["depression", "depression", "pain"]),
    st.integers(1, 60),  # days between this block and the one before
)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[ZoneInfo, list[Infusion]]:
    """A zone and a patient's infusions: one to three series, some cancelled, some late."""
    tz, anchor = draw(zoned_instants)
    day = anchor.astimezone(tz).date()
    infusions: list[Infusion] = []
    for offsets_, at, length, treatment, pause in draw(st.lists(blocks, min_size=1, max_size=3)):
        day += timedelta(days=pause)
        for offset in offsets_:
            start = resolve_local(day + timedelta(days=offset), at, tz)
            overrun = draw(st.sampled_from([0, 0, 0, -15, 30, 90]))
            infusions.append(
                Infusion(
                    key=len(infusions) + 1,
                    start=start,
                    end=start + length + timedelta(minutes=overrun),
                    treatment=treatment,
                    active=draw(st.sampled_from([True] * 9 + [False])),
                )
            )
        day += timedelta(days=max(offsets_))
    return tz, infusions


plannings = st.builds(
    Planning,
    series_gap=st.sampled_from([timedelta(days=7), timedelta(0), timedelta(days=3)]),
    series_preparation=st.sampled_from(["discharge", "evening_before", "every_infusion"]),
    supersede_checkins=st.booleans(),
    checkin_margin=st.sampled_from([timedelta(hours=12), timedelta(0), timedelta(hours=30)]),
    max_sms_per_day=st.sampled_from([3, 1, 2, 0]),
)


def with_planning(planning: Planning) -> Protocol:
    return PROTOCOL.model_copy(update={"planning": planning})


@settings(max_examples=examples(300), deadline=None)
@given(calendar=calendars())
# 07:00 on 31 December 2011 in Apia, whose 30 December was skipped: the evening before
# the reminder's morning is the 29th.
@example(
    calendar=(
        ZoneInfo("Pacific/Apia"),
        [
            Infusion(
                1,
                datetime(2011, 12, 30, 17, tzinfo=UTC),
                datetime(2011, 12, 30, 17, 30, tzinfo=UTC),
                "depression",
            )
        ],
    )
)
def test_the_shipped_protocol_keeps_every_rule_on_any_calendar(
    calendar: tuple[ZoneInfo, list[Infusion]],
) -> None:
    tz, infusions = calendar
    plan = plan_patient(infusions, patient(tz), PROTOCOL, LONG_AGO)
    assert violations(plan, infusions, PROTOCOL, tz, LONG_AGO) == []
    # Quiet hours never cost an infusion its reminder: before an early one it goes the
    # evening before.
    reminders = [m for ms in plan.messages.values() for m in ms if m.kind == "reminder"]
    assert not [m for m in reminders if (m.skip_reason or "").startswith("quiet hours")]


@settings(max_examples=examples(300), deadline=None)
@given(calendar=calendars(), planning=plannings)
def test_every_planning_setting_keeps_the_rules_it_turns_on(
    calendar: tuple[ZoneInfo, list[Infusion]], planning: Planning
) -> None:
    tz, infusions = calendar
    protocol = with_planning(planning)
    plan = plan_patient(infusions, patient(tz), protocol, LONG_AGO)
    assert violations(plan, infusions, protocol, tz, LONG_AGO) == []


@settings(max_examples=examples(200), deadline=None)
@given(calendar=calendars(), seed=st.integers(0, 2**16))
def test_the_plan_depends_on_the_infusions_not_on_their_order(
    calendar: tuple[ZoneInfo, list[Infusion]], seed: int
) -> None:
    tz, infusions = calendar
    shuffled = infusions[:]
    random.Random(seed).shuffle(shuffled)
    assert plan_patient(infusions, patient(tz), PROTOCOL, LONG_AGO) == plan_patient(
        shuffled, patient(tz), PROTOCOL, LONG_AGO
    )


@settings(max_examples=examples(200), deadline=None)
@given(calendar=calendars())
def test_every_message_a_rule_drops_says_which_rule(
    calendar: tuple[ZoneInfo, list[Infusion]],
) -> None:
    tz, infusions = calendar
    plan = plan_patient(infusions, patient(tz), PROTOCOL, LONG_AGO)
    assert set(plan.messages) == {i.key for i in infusions if i.active}
    for messages in plan.messages.values():
        for m in messages:
            assert m.skip_reason is None or m.skip_reason.strip()
            assert m.note is None or m.skip_reason is None  # a note explains a message that goes


@settings(max_examples=examples(200), deadline=None)
@given(calendar=calendars(), data=st.data())
def test_a_move_or_a_cancel_mid_series_keeps_the_rules_with_what_already_went(
    calendar: tuple[ZoneInfo, list[Infusion]], data: st.DataObject
) -> None:
    """What went before a change stays; what goes after it keeps the rules with it."""
    tz, infusions = calendar
    before = plan_patient(infusions, patient(tz), PROTOCOL, LONG_AGO)
    times = sorted(g.at for g in going(before, PROTOCOL, LONG_AGO))
    if not times:
        return
    now = data.draw(st.sampled_from(times), label="now") + timedelta(minutes=1)
    went = [g for g in going(before, PROTOCOL, LONG_AGO) if g.at < now]
    later = [i for i in infusions if i.start > now + timedelta(hours=2)]
    changed = infusions[:]
    if later:
        target = data.draw(st.sampled_from(later), label="changed infusion")
        shift = data.draw(st.sampled_from([None, -1, 1, 2]), label="days moved (None: cancel)")
        index = changed.index(target)
        if shift is None:
            changed[index] = Infusion(target.key, target.start, target.end, target.treatment, False)
        elif target.start + timedelta(days=shift) > now + timedelta(hours=2):
            moved = timedelta(days=shift)
            changed[index] = Infusion(
                target.key, target.start + moved, target.end + moved, target.treatment
            )
    history = [Sent(g.key, g.step, g.channel, g.kind, g.at) for g in went]
    after = plan_patient(changed, patient(tz), PROTOCOL, now, history)
    assert violations(after, changed, PROTOCOL, tz, now, went) == []


def test_went_is_what_a_plan_sends() -> None:
    """The checker's own sanity: a message that goes is one with no reason against it."""
    tz = ZoneInfo("America/Chicago")
    start = resolve_local(date(2026, 3, 2), time(9), tz)
    one = [Infusion(1, start, start + timedelta(minutes=90), "depression")]
    plan = plan_patient(one, patient(tz), PROTOCOL, LONG_AGO)
    steps = {(g.step, g.channel) for g in going(plan, PROTOCOL, LONG_AGO)}
    assert ("discharge", "sms") in steps and ("checkin_day7", "email") in steps
    assert isinstance(next(iter(going(plan, PROTOCOL, LONG_AGO))), Going)
