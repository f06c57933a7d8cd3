"""Pure planning: an appointment, its patient and the protocol in; the messages out.

No database and no clock: everything the plan depends on is an argument, so the same
inputs always give the same plan and property tests can sweep time zones and DST.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from followup.core.clock import first_local_moment, resolve_local
from followup.protocol import Protocol, QuietHours, Step

# How long a message stays worth sending when its step sets no expires_after.
DEFAULT_EXPIRY = timedelta(hours=8)
PAST_WHEN_PLANNED = "its time had passed when it was planned"


@dataclass(frozen=True, slots=True)
class AppointmentFacts:
    """What planning needs of an appointment. Times are aware."""

    start: datetime
    end: datetime
    treatment: str | None
    active: bool = True  # booked or completed; cancelled and no-show get nothing
    next_start: datetime | None = None  # the patient's next booked infusion, if any


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What planning needs of a patient."""

    timezone: ZoneInfo
    has_phone: bool
    has_email: bool
    sms_consent: bool
    email_consent: bool
    sms_opted_out: bool = False
    sms_unreachable: bool = False  # the provider said this number cannot take SMS
    paused: bool = False  # a crisis alert is open: automated messages wait for staff


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """One message the plan wants: when, on which channel, and why not if it is skipped."""

    step: str
    kind: str
    template: str
    channel: str
    due_at: datetime
    expires_at: datetime
    quiet_hours_exempt: bool
    skip_reason: str | None = None
    # Why a message that goes is not at its step's own time (moved out of the chair).
    note: str | None = None


def next_allowed(instant: datetime, tz: ZoneInfo, quiet: QuietHours) -> datetime:
    """The instant itself if it is outside quiet hours in `tz`, else when they next end.

    Quiet hours end when the wall clock leaves them, by reaching their end or by a DST
    change that jumps past it; a fall-back hour that repeats quiet time is quiet again.
    """
    return first_local_moment(instant, tz, lambda wall: not quiet.contains(wall), quiet.end)


def next_quiet_start(instant: datetime, tz: ZoneInfo, quiet: QuietHours) -> datetime | None:
    """The first instant from `instant` on that falls in quiet hours in `tz` (None: never).

    What a message found sendable at `instant` must go out before. Both occurrences of a
    repeated hour count, and a window that starts inside a skipped hour starts at the jump.
    """
    if quiet.start == quiet.end:
        return None
    return first_local_moment(instant, tz, quiet.contains, quiet.start)


def nominal_due(step: Step, appt: AppointmentFacts, tz: ZoneInfo) -> datetime:
    """When a step would go out before quiet hours are applied."""
    if step.before_start is not None:
        return appt.start - step.before_start
    if step.after_end is not None:
        return appt.end + step.after_end
    assert step.day_after is not None and step.local_time is not None  # Step validates this
    infusion_day = appt.start.astimezone(tz).date()
    return resolve_local(infusion_day + timedelta(days=step.day_after), step.local_time, tz)


def expiry(step: Step, appt: AppointmentFacts, due: datetime) -> datetime:
    """The instant after which the message no longer makes sense and must not go out.

    A message before the infusion is good until it starts; one about the next infusion
    until that starts; `expires_after` tightens either, and bounds every other step.
    """
    limits = []
    if step.expires_after is not None:
        limits.append(due + step.expires_after)
    if step.before_start is not None:
        limits.append(appt.start)
    if step.requires_next_appointment and appt.next_start is not None:
        limits.append(appt.next_start)
    return min(limits) if limits else due + DEFAULT_EXPIRY


def channel_skip_reason(channel: str, patient: PatientFacts) -> str | None:
    """Why a patient cannot get a message on a channel, or None if they can."""
    if channel == "sms":
        if not patient.has_phone:
            return "no phone number"
        if patient.sms_opted_out:
            return "opted out of SMS"
        if patient.sms_unreachable:
            return "the phone number cannot receive SMS"
        if not patient.sms_consent:
            return "no SMS consent"
        return None
    if not patient.has_email:
        return "no email address"
    if not patient.email_consent:
        return "no email consent"
    return None


def plan_appointment(
    appt: AppointmentFacts, patient: PatientFacts, protocol: Protocol
) -> list[PlannedMessage]:
    """Every message the protocol wants for one booked appointment, in step order."""
    if not appt.active:
        return []
    planned = []
    for step in protocol.steps_for(appt.treatment):
        if step.requires_next_appointment and appt.next_start is None:
            continue
        nominal = nominal_due(step, appt, patient.timezone)
        expires = expiry(step, appt, nominal)
        due = (
            nominal
            if step.quiet_hours_exempt
            else next_allowed(nominal, patient.timezone, protocol.quiet_hours)
        )
        late = None
        if due >= expires:
            late = "quiet hours leave no time to send it before it expires"
            if due == nominal:
                late = "it would be due after it expires"
        for channel in step.channels:
            planned.append(
                PlannedMessage(
                    step=step.key,
                    kind=step.kind,
                    template=step.template,
                    channel=channel,
                    due_at=due,
                    expires_at=expires,
                    quiet_hours_exempt=step.quiet_hours_exempt,
                    skip_reason=late or channel_skip_reason(channel, patient),
                )
            )
    return planned


@dataclass(frozen=True, slots=True)
class ExistingMessage:
    """A stored message, as reconciliation sees it."""

    id: int
    step: str
    channel: str
    status: str
    due_at: datetime
    expires_at: datetime | None
    status_reason: str | None


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What to change so the stored plan matches the new one."""

    insert: list[PlannedMessage]
    update: list[tuple[int, PlannedMessage]]
    cancel: list[tuple[int, str]]


def reconcile(
    existing: Iterable[ExistingMessage],
    planned: Iterable[PlannedMessage],
    now: datetime,
    replannable: frozenset[str],
    cancel_reason: str,
    reasons: Mapping[str, str] | None = None,
) -> Reconciliation:
    """Match stored rows to the plan by (step, channel).

    Rows that already left (sent, failed, ...) are history and never touched; rows still
    waiting move to the new time, change between pending and skipped, or are cancelled,
    with `reasons[step]` when the plan says why that step no longer applies.
    """
    by_key: Mapping[tuple[str, str], ExistingMessage] = {(e.step, e.channel): e for e in existing}
    wanted = {(p.step, p.channel): p for p in planned}
    insert, update, cancel = [], [], []
    for key, plan in wanted.items():
        row = by_key.get(key)
        if row is None:
            insert.append(plan)
        elif row.status in replannable and _differs(row, plan, now):
            update.append((row.id, plan))
    for key, row in by_key.items():
        if key not in wanted and row.status in replannable and row.status != "cancelled":
            cancel.append((row.id, (reasons or {}).get(row.step, cancel_reason)))
    return Reconciliation(insert=insert, update=update, cancel=cancel)


def target_state(plan: PlannedMessage, now: datetime) -> tuple[str, str | None]:
    """The status and reason a planned message is stored with at `now`."""
    if plan.skip_reason:
        return "skipped", plan.skip_reason
    if plan.expires_at <= now:
        return "skipped", PAST_WHEN_PLANNED
    return "pending", plan.note


def _differs(row: ExistingMessage, plan: PlannedMessage, now: datetime) -> bool:
    if row.due_at != plan.due_at or row.expires_at != plan.expires_at:
        return True
    state = target_state(plan, now)
    if (row.status, row.status_reason) == state:
        return False
    # A waiting row whose time passed is the dispatcher's to expire, not a new plan.
    return not (row.status == "pending" and state[1] == PAST_WHEN_PLANNED)
