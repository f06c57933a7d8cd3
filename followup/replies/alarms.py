"""What each triage level calls for: the alert's severity, the answer, the message's kind;
and the built-in answers for when a template or the database fails."""

from __future__ import annotations

from dataclasses import dataclass

from followup.alerts import CRITICAL, EMERGENCY, HIGH, URGENT
from followup.messages.context import display_phone
from followup.protocol import Protocol
from followup.replies.triage import Level, Triage, triage


@dataclass(frozen=True, slots=True)
class Alarm:
    """What a triage level calls for: the alert's severity, the answer, the message's kind."""

    severity: str
    template: str
    kind: str


# Most urgent first: the first level a message's findings reach decides.
ALARMS = {
    Level.CRISIS: Alarm(CRITICAL, "reply_crisis", "crisis"),
    Level.EMERGENCY: Alarm(EMERGENCY, "reply_emergency", "emergency"),
    Level.URGENT: Alarm(URGENT, "reply_urgent", "urgent"),
}
# The inbox urgency of a message whose survey answer raised an alert of this severity.
URGENCY_OF_SEVERITY = {
    EMERGENCY: Level.EMERGENCY,
    CRITICAL: Level.CRISIS,
    URGENT: Level.URGENT,
    HIGH: Level.URGENT,
}


def alarm(found: Triage) -> Alarm | None:
    """The alarm a triage calls for, or None. A crisis comes first even beside an emergency:
    its answer gives the emergency number too, and it pauses the patient's messages."""
    levels = {finding.level for finding in found.findings}
    return next((alarm for level, alarm in ALARMS.items() if level in levels), None)


def alarm_reason(found: Triage, raised: Alarm) -> str:
    """The alert's reason: the alarm's kind and the rules that raised it (never the words)."""
    rules = "; ".join(dict.fromkeys(f.rule for f in found.findings if f.level is not Level.REVIEW))
    return f"{raised.kind}: {rules}"


def alarm_fallback(
    protocol: Protocol, template: str = "reply_crisis", location: str | None = None
) -> str:
    """The answer to an alarm that needs no template, for when the template or the database
    fails: the crisis line, the emergency number and the on-call line (the location's), as
    the alarm needs."""
    clinic = protocol.clinic_at(location)
    on_call = display_phone(clinic.on_call_phone, clinic.country)
    return FALLBACKS[template].format(
        crisis_line=clinic.crisis_line,
        emergency_number=clinic.emergency_number,
        on_call=on_call,
        clinic=clinic.name,
    )


FALLBACKS = {
    "reply_crisis": (
        "If you are thinking of harming yourself, call or text {crisis_line} now "
        "(Suicide & Crisis Lifeline), or call our on-call line {on_call}. "
        "If you are in immediate danger, call {emergency_number}. "
        "Someone from {clinic} will contact you."
    ),
    "reply_emergency": (
        "What you describe can be a medical emergency. Call {emergency_number} now, then our "
        "on-call line {on_call}. Someone from {clinic} has been alerted."
    ),
    "reply_urgent": (
        "A nurse from {clinic} has been alerted and will call you today. If it gets worse, "
        "call our on-call line {on_call} now, or {emergency_number} in an emergency."
    ),
}


def fallback_for(body: str) -> str | None:
    """The built-in answer to a message that calls for an alarm, or None: for when nothing
    could be stored or processed and the patient must still be told where to turn."""
    found = alarm(triage(body))
    return found.template if found is not None else None
