"""Pure planning of one patient: all their infusions, the protocol and now in; every message out.

Each infusion's steps become drafts at their own times (`planner`), then the series rules
decide together what a nurse would send (`rules`): one preparation per series, nothing in
the chair, check-ins that follow the latest infusion, one check-in and a few SMS a day.
What a rule drops stays in the plan, skipped, with the rule and the words that decided it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from followup.core.clock import resolve_local
from followup.planning.planner import (
    AppointmentFacts,
    PatientFacts,
    PlannedMessage,
    channel_skip_reason,
    expiry,
    next_allowed,
    nominal_due,
)
from followup.planning.rules import (
    Draft,
    Sent,
    cap_sms,
    infusion_words,
    move_out_of_chairs,
    one_checkin_a_day,
    supersede_checkins,
    when,
)
from followup.planning.series import Infusion, SeriesPlace, find_series, in_order
from followup.protocol import Protocol, Step

__all__ = ["Infusion", "PatientPlan", "Sent", "SeriesPlace", "plan_patient"]

# status_reason holds 200 characters; a reason naming long step keys is cut to fit.
REASON_CHARS = 200
# When a next-infusion step has no local time of its own, the evening before is at 18:00.
EVENING = time(18, 0)
# A reminder that quiet hours leave no room for on the morning of an early infusion goes
# this long before quiet hours begin the evening before, so a slow batch still sends it.
BEFORE_QUIET = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class PatientPlan:
    """A patient's plan: each active infusion's place and messages, by infusion key."""

    places: dict[int, SeriesPlace]
    messages: dict[int, list[PlannedMessage]]
    # Steps of an infusion's protocol that do not apply to it, and why (no next infusion,
    # not the last of its series): a stored row of one of them is cancelled with this.
    absent: dict[int, dict[str, str]]


def plan_patient(
    infusions: Iterable[Infusion],
    patient: PatientFacts,
    protocol: Protocol,
    now: datetime,
    history: Sequence[Sent] = (),
) -> PatientPlan:
    """Every message the protocol wants for a patient's infusions, the series rules applied.

    `history` is what already left: it is never changed, and it counts for the day it
    went (one check-in a day, the daily cap). Messages that expired by `now` unsent take
    no one's place.
    """
    tz = patient.timezone
    rules = protocol.planning
    ordered = in_order(infusions)
    places = find_series(ordered, tz, rules.series_gap, protocol.default_treatment)
    sent = {(item.key, item.step) for item in history}
    drafts: list[Draft] = []
    absent: dict[int, dict[str, str]] = {}
    for infusion in ordered:
        place = places[infusion.key]
        for order, step in enumerate(protocol.steps_for(infusion.treatment)):
            why_not = _not_for(step, place)
            if why_not:
                absent.setdefault(infusion.key, {})[step.key] = why_not
                continue
            fixed = (infusion.key, step.key) in sent
            drafts.append(_draft(step, order, infusion, place, patient, protocol, fixed))
    if rules.supersede_checkins:
        drafts = supersede_checkins(drafts, rules.checkin_margin, tz)
    drafts = move_out_of_chairs(drafts, ordered, tz, protocol.quiet_hours)
    if rules.supersede_checkins:
        # Again: a check-in moved out of a chair may now be too close to the next infusion.
        drafts = supersede_checkins(drafts, rules.checkin_margin, tz)
    drafts = one_checkin_a_day(drafts, history, tz, now)
    if rules.max_sms_per_day:
        drafts = cap_sms(drafts, history, tz, now, rules.max_sms_per_day)
    messages: dict[int, list[PlannedMessage]] = {i.key: [] for i in ordered}
    for draft in sorted(drafts, key=lambda d: (d.infusion.start, d.infusion.key, d.order)):
        messages[draft.infusion.key].extend(_channels(draft, patient))
    return PatientPlan(places, messages, absent)


def _not_for(step: Step, place: SeriesPlace) -> str | None:
    """Why a step does not apply to an infusion at this place in its series, if it does not."""
    if step.requires_next_appointment and place.following is None:
        return "no later infusion is booked"
    if step.after_series_only and not place.last:
        return f"after the series only: this is infusion {place.describe()}"
    if step.first_of_series_only and not place.first:
        return f"first of a series only: this is infusion {place.describe()}"
    return None


def _draft(
    step: Step,
    order: int,
    infusion: Infusion,
    place: SeriesPlace,
    patient: PatientFacts,
    protocol: Protocol,
    fixed: bool,
) -> Draft:
    """A step at its own time, with what its place in the series does to it."""
    tz = patient.timezone
    rules = protocol.planning
    following = place.following
    facts = AppointmentFacts(
        start=infusion.start,
        end=infusion.end,
        treatment=infusion.treatment,
        next_start=following.start if following else None,
    )
    nominal = nominal_due(step, facts, tz)
    dropped = note = None
    if step.kind == "preparation" and not place.first:
        if rules.series_preparation == "discharge":
            assert place.previous is not None  # not the first of its series
            dropped = (
                f"one preparation a series: the discharge after {infusion_words(place.previous, tz)} "
                "names this one, same preparation"
            )
        elif rules.series_preparation == "evening_before":
            dropped = "one preparation a series: a short note goes the evening before"
    elif step.kind == "next_infusion" and place.next_in_series:
        assert following is not None
        if rules.series_preparation == "evening_before":
            # The evening before the next infusion, never before this one is over.
            eve = following.start.astimezone(tz).date() - timedelta(days=1)
            nominal = max(resolve_local(eve, step.local_time or EVENING, tz), infusion.end)
            note = f"the evening before {infusion_words(following, tz)}"
        else:
            dropped = "one preparation a series: the discharge names the next infusion"
    elif step.kind == "booster" and following is not None:
        dropped = f"booster reminder: a later infusion is booked ({when(following.start, tz)})"
    expires = expiry(step, facts, nominal)
    exempt = step.quiet_hours_exempt
    due = nominal if exempt else next_allowed(nominal, tz, protocol.quiet_hours)
    late = None
    if due >= expires and dropped is None:
        late = (
            "it would be due after it expires"
            if due == nominal
            else "quiet hours leave no time to send it before it expires"
        )
        evening = _evening_before(step, nominal, tz, protocol) if due != nominal else None
        if evening is not None:
            # Every infusion is reminded: before an 08:00 start, the evening before.
            due, late = evening, None
            note = "the evening before: quiet hours leave no time that morning"
    if step.kind == "checkin" and following is not None and rules.supersede_checkins:
        # Held to the rule at send time too: a check-in delayed by retries or a pause
        # never reaches the patient in the hours before their next infusion. One due
        # that close is superseded (`rules.supersede_checkins`), which says so.
        expires = min(expires, following.start - rules.checkin_margin)
    return Draft(
        infusion=infusion,
        place=place,
        step=step,
        order=order,
        due=due,
        expires=expires,
        dropped=dropped,
        late=late,
        note=note,
        fixed=fixed,
    )


def _evening_before(
    step: Step, nominal: datetime, tz: ZoneInfo, protocol: Protocol
) -> datetime | None:
    """For a reminder quiet hours push past its infusion: the evening before, an hour
    before quiet hours begin; None for another step, or when that is no time either."""
    quiet = protocol.quiet_hours
    if step.kind != "reminder" or quiet.start == quiet.end:
        return None
    local = nominal.astimezone(tz)
    # The quiet window holding `nominal` began today, or yesterday when it wraps midnight;
    # a day earlier when that evening never was (Pacific/Apia skipped 2011-12-30).
    began = local.date() - timedelta(days=1 if local.time() < quiet.start else 0)
    for back in (0, 1):
        evening = resolve_local(began - timedelta(days=back), quiet.start, tz) - BEFORE_QUIET
        if evening < nominal and not quiet.contains(evening.astimezone(tz).time()):
            return evening
    return None


def _channels(draft: Draft, patient: PatientFacts) -> list[PlannedMessage]:
    """A draft as one planned message per channel, each with the first reason it cannot go."""
    planned = []
    for channel in draft.step.channels:
        reason = (
            draft.dropped
            or draft.late
            or channel_skip_reason(channel, patient)
            or (draft.capped if channel == "sms" else None)
        )
        planned.append(
            PlannedMessage(
                step=draft.step.key,
                kind=draft.step.kind,
                template=draft.step.template,
                channel=channel,
                due_at=draft.due,
                expires_at=draft.expires,
                quiet_hours_exempt=draft.step.quiet_hours_exempt,
                skip_reason=reason[:REASON_CHARS] if reason else None,
                note=None if reason or not draft.note else draft.note[:REASON_CHARS],
            )
        )
    return planned
