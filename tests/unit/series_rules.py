"""The issue's rules as one checker, shared by the property tests and the golden test.

`violations` reads a patient's plan (and what already went) the way a nurse would check
it, independently of how the planner got there, and names every day that breaks a rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from followup.planning.plan import Infusion, PatientPlan
from followup.planning.planner import PlannedMessage
from followup.protocol import Protocol

# Why a reminder may be left out: quiet hours leave no time before the infusion, or it
# would fall in the chair of an infusion just before.
REMINDER_MAY_BE_LEFT_OUT = (
    "quiet hours leave no time",
    "it would be due after it expires",
    "in the chair",
)


@dataclass(frozen=True)
class Going:
    """A message that goes (or went): which infusion, which step, and when."""

    key: int
    step: str
    kind: str
    channel: str
    at: datetime
    during_infusion: bool = False
    quiet_hours_exempt: bool = False


def going(plan: PatientPlan, protocol: Protocol, now: datetime) -> list[Going]:
    """The plan's messages that go: at their due time, or at once when overdue."""
    steps = {s.key: s for steps in protocol.resolved.values() for s in steps}
    return [
        Going(
            key,
            m.step,
            m.kind,
            m.channel,
            max(m.due_at, now),
            steps[m.step].during_infusion,
            m.quiet_hours_exempt,
        )
        for key, messages in plan.messages.items()
        for m in messages
        if m.skip_reason is None and m.expires_at > now
    ]


def violations(
    plan: PatientPlan,
    infusions: Sequence[Infusion],
    protocol: Protocol,
    tz: ZoneInfo,
    now: datetime,
    went: Iterable[Going] = (),
) -> list[str]:
    """Every way the plan breaks the series rules, in words; [] when it keeps them all."""
    rules = protocol.planning
    went = list(went)
    sent = {(g.key, g.step, g.channel) for g in went}
    new = [g for g in going(plan, protocol, now) if (g.key, g.step, g.channel) not in sent]
    everything = went + new
    active = sorted((i for i in infusions if i.active), key=lambda i: (i.start, i.key))
    by_key = {i.key: i for i in active}
    leaves = {i.key: i.end for i in active}
    for key, messages in plan.messages.items():
        for m in messages:
            if m.kind == "discharge":
                leaves[key] = max(leaves[key], m.due_at)
    problems: list[str] = []

    def day(at: datetime) -> date:
        return at.astimezone(tz).date()

    checkins: dict[date, set[tuple[int, str]]] = defaultdict(set)
    sms: dict[date, set[tuple[int, str]]] = defaultdict(set)
    for g in everything:
        if g.kind == "checkin":
            checkins[day(g.at)].add((g.key, g.step))
        if g.channel == "sms" and g.kind != "discharge":
            sms[day(g.at)].add((g.key, g.step))
    problems += [f"{d}: {len(c)} check-ins" for d, c in checkins.items() if len(c) > 1]
    if rules.max_sms_per_day:
        problems += [f"{d}: {len(s)} SMS" for d, s in sms.items() if len(s) > rules.max_sms_per_day]
    for g in new:
        local = g.at.astimezone(tz)
        if not g.quiet_hours_exempt and protocol.quiet_hours.contains(local.time()):
            problems.append(f"{g.step} of {g.key} in quiet hours at {local}")
        if g.kind != "discharge" and not g.during_infusion:
            for infusion in active:
                if infusion.start <= g.at < leaves[infusion.key]:
                    problems.append(f"{g.step} of {g.key} in the chair of {infusion.key}")
        if g.kind == "checkin" and rules.supersede_checkins:
            for infusion in active:
                if infusion.start > by_key[g.key].start and (
                    infusion.start - rules.checkin_margin <= g.at < leaves[infusion.key]
                ):
                    problems.append(f"{g.step} of {g.key} within the margin of {infusion.key}")
    for infusion in active:
        problems += _each_infusion(plan, infusion, protocol, sent)
    return problems


def _each_infusion(
    plan: PatientPlan, infusion: Infusion, protocol: Protocol, sent: set[tuple[int, str, str]]
) -> list[str]:
    """Reminded, discharged, prepared once a series, followed up after the series."""
    problems = []
    place = plan.places[infusion.key]
    messages: dict[tuple[str, str], PlannedMessage] = {
        (m.step, m.channel): m for m in plan.messages[infusion.key]
    }

    def goes(m: PlannedMessage) -> bool:
        return m.skip_reason is None or (infusion.key, m.step, m.channel) in sent

    for (step, channel), m in messages.items():
        if m.kind == "discharge" and channel == "sms" and not goes(m):
            problems.append(f"infusion {infusion.key} not discharged: {m.skip_reason}")
        if m.kind == "reminder" and channel == "sms" and not goes(m):
            allowed = REMINDER_MAY_BE_LEFT_OUT
            if protocol.planning.max_sms_per_day == 1:
                # An early infusion's reminder the evening before can share a day with
                # that day's own: a cap of one SMS keeps only one of them.
                allowed += ("daily cap",)
            if not (m.skip_reason or "").startswith(allowed):
                problems.append(f"infusion {infusion.key} not reminded: {m.skip_reason}")
        new = m.skip_reason is None and (infusion.key, m.step, m.channel) not in sent
        if m.kind == "preparation" and new and not place.first:
            if protocol.planning.series_preparation != "every_infusion":
                problems.append(f"infusion {infusion.key} ({place.describe()}) prepared again")
        if m.kind == "checkin" and place.last and not goes(m):
            # The next series' baseline scales, the day before it, win the day.
            allowed: tuple[str, ...] = ("superseded", "one check-in a day: scales_baseline")
            if not protocol.planning.supersede_checkins:
                # The next series' check-in wins the day, or its infusion's chair holds it.
                allowed = ("one check-in a day", "in the chair")
            if 0 < protocol.planning.max_sms_per_day < 3:
                allowed += ("daily cap",)
            if not (m.skip_reason or "").startswith(allowed):
                problems.append(f"{step} after the series' last infusion dropped: {m.skip_reason}")
    return problems
