"""The rules that plan a patient's messages across infusions, each a pure pass over drafts.

A draft is one step of one infusion on all its channels. Each pass returns the drafts
with the ones it moved or dropped replaced, and says why in words staff read: the chair,
superseded check-ins, one check-in a day, and the daily SMS cap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from followup.planning.planner import next_allowed
from followup.planning.series import Infusion, SeriesPlace
from followup.protocol import QuietHours, Step

# A message moved out of the chair goes this long after the discharge, so it never
# arrives before it.
AFTER_DISCHARGE = timedelta(minutes=1)
# Which SMS the daily cap keeps first; the discharge is never counted. A step of kind
# next_infusion prepares the next infusion, as a preparation does.
PRIORITY = {"reminder": 0, "checkin": 1, "preparation": 2, "next_infusion": 2, "booster": 3}


@dataclass(frozen=True, slots=True)
class Draft:
    """One step of one infusion, on all its channels, while the rules decide its fate."""

    infusion: Infusion
    place: SeriesPlace
    step: Step
    order: int  # the step's place in the protocol, to list a plan in step order
    due: datetime
    expires: datetime
    dropped: str | None = None  # a rule dropped it on every channel
    late: str | None = None  # quiet hours or its time leave no moment to send it
    note: str | None = None  # why it is not at its step's own time
    capped: str | None = None  # the daily cap dropped its SMS
    fixed: bool = False  # part of it already left: history, the rules leave it alone

    @property
    def live(self) -> bool:
        """Still to be decided by the rules: not dropped, not too late, not history."""
        return not (self.dropped or self.late or self.fixed)

    def alive(self, now: datetime) -> bool:
        """Live and still able to go: one that expired unsent takes nobody's place."""
        return self.live and self.expires > now


@dataclass(frozen=True, slots=True)
class Sent:
    """A message that already left (or is leaving): it counts for the day it went."""

    key: int  # the infusion it belongs to
    step: str
    channel: str
    kind: str
    at: datetime


def when(instant: datetime, tz: tzinfo) -> str:
    """A moment as the rules name it, in the patient's zone: "Wed 4 Mar 09:00 CST"."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname() or ''}".strip()


def infusion_words(infusion: Infusion, tz: tzinfo) -> str:
    """ "the infusion of Mon 2 Mar 09:00-10:30 CST"."""
    start, end = infusion.start.astimezone(tz), infusion.end.astimezone(tz)
    return f"the infusion of {start:%a} {start.day} {start:%b %H:%M}-{end:%H:%M} {end.tzname()}"


def hours(span: timedelta) -> str:
    """A span in the words of the protocol file: "12h", "90m", "1h30m"."""
    minutes = int(span.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes // 60}h{minutes % 60}m" if minutes > 60 else f"{minutes}m"


def local_day(instant: datetime, tz: tzinfo) -> date:
    return instant.astimezone(tz).date()


def move_out_of_chairs(
    drafts: Sequence[Draft], infusions: Sequence[Infusion], tz: ZoneInfo, quiet: QuietHours
) -> list[Draft]:
    """Nothing is due while the patient is in the chair but the discharge and the steps
    marked `during_infusion`: the rest moves to just after the discharge, or is dropped
    when it would be too late there."""
    leaves = {i.key: i.end for i in infusions}
    for draft in drafts:
        if draft.step.kind == "discharge":
            leaves[draft.infusion.key] = max(leaves[draft.infusion.key], draft.due)
    chairs = [(i.start, leaves[i.key], i) for i in infusions]
    result = []
    for draft in drafts:
        if not draft.live or draft.step.kind == "discharge" or draft.step.during_infusion:
            result.append(draft)
            continue
        moved, first = draft, None
        for _ in chairs:  # each hop lands after another chair, so this many is enough
            chair = next((c for c in chairs if c[0] <= moved.due < c[1]), None)
            if chair is None:
                break
            first = first or chair[2]
            after = chair[1] + AFTER_DISCHARGE
            due = after if draft.step.quiet_hours_exempt else next_allowed(after, tz, quiet)
            moved = replace(moved, due=due)
        if first is None:
            result.append(draft)
        elif moved.due >= moved.expires:
            words = infusion_words(first, tz)
            result.append(
                replace(draft, dropped=f"in the chair: due during {words}, too late after")
            )
        else:
            words = infusion_words(first, tz)
            note = f"moved out of the chair: due during {words}, sent after its discharge"
            result.append(replace(moved, note=note))
    return result


def supersede_checkins(drafts: Sequence[Draft], margin: timedelta, tz: tzinfo) -> list[Draft]:
    """A check-in is dropped when the patient's next infusion starts before it is due or
    within `margin` after: they will be seen in person."""
    result = []
    for draft in drafts:
        following = draft.place.following
        if draft.live and draft.step.kind == "checkin" and following is not None:
            if following.start <= draft.due:
                why = f"superseded: {infusion_words(following, tz)} starts before it is due"
                draft = replace(draft, dropped=why)
            elif following.start <= draft.due + margin:
                why = (
                    f"superseded: {infusion_words(following, tz)} starts within "
                    f"{hours(margin)} after it is due"
                )
                draft = replace(draft, dropped=why)
        result.append(draft)
    return result


def one_checkin_a_day(
    drafts: Sequence[Draft], history: Iterable[Sent], tz: tzinfo, now: datetime
) -> list[Draft]:
    """At most one check-in a patient-local day: the latest infusion's, or the one that
    already went; each starts a survey, and a reply must answer the one just received."""
    went = {local_day(s.at, tz) for s in history if s.kind == "checkin"}
    days: dict[date, list[Draft]] = defaultdict(list)
    for draft in drafts:
        if draft.step.kind == "checkin" and draft.alive(now):
            days[local_day(max(draft.due, now), tz)].append(draft)
    dropped: dict[int, str] = {}
    for day, group in days.items():
        if day in went:
            for draft in group:
                dropped[id(draft)] = "one check-in a day: one already went to the patient that day"
            continue
        keep = min(group, key=lambda d: (-d.infusion.start.timestamp(), -d.infusion.key, d.due))
        for draft in group:
            if draft is not keep:
                dropped[id(draft)] = (
                    f"one check-in a day: {keep.step.key} for "
                    f"{infusion_words(keep.infusion, tz)} is due that day"
                )
    return [replace(d, dropped=dropped[id(d)]) if id(d) in dropped else d for d in drafts]


def cap_sms(
    drafts: Sequence[Draft], history: Sequence[Sent], tz: tzinfo, now: datetime, cap: int
) -> list[Draft]:
    """At most `cap` SMS a patient-local day, the discharge not counted: a reminder first,
    then a check-in, then a preparation; the SMS the cap drops says what kept the day."""
    used: Counter[date] = Counter()
    sent = {(s.key, s.step, s.channel) for s in history}
    for item in history:
        if item.channel == "sms" and item.kind != "discharge":
            used[local_day(item.at, tz)] += 1
    days: dict[date, list[Draft]] = defaultdict(list)
    for draft in drafts:
        if "sms" not in draft.step.channels or draft.step.kind == "discharge":
            continue
        # A message overdue when planned goes at once: it counts for today.
        day = local_day(max(draft.due, now), tz)
        if draft.fixed and (draft.infusion.key, draft.step.key, "sms") not in sent:
            used[day] += 1  # half-sent: its SMS goes whatever the cap
        elif draft.alive(now):
            days[day].append(draft)
    capped: dict[int, str] = {}
    for day, group in days.items():
        group.sort(key=lambda d: (PRIORITY.get(d.step.kind, 9), d.due, d.infusion.start, d.order))
        room = max(cap - used[day], 0)
        if len(group) <= room:
            continue
        kept = [d.step.key for d in group[:room]]
        if used[day]:
            kept.append(f"{used[day]} sent")
        why = f"daily cap of {cap} SMS: that day has {', '.join(kept)}"
        for draft in group[room:]:
            capped[id(draft)] = why
    return [replace(d, capped=capped[id(d)]) if id(d) in capped else d for d in drafts]
