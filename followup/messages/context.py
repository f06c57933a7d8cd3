"""The variables every template can use, built in one place for preview and sending.

| variable | example |
|---|---|
| patient_first_name | Ana |
| clinic_name, clinic_phone, on_call_phone | Lakeside Infusion Clinic, (402) 555-0100, (402) 555-0199 |
| crisis_line, emergency_number | 988, 911 |
| appointment_date, appointment_time | Tuesday, March 3 / martes 3 de marzo; 9:30 AM / 9:30 |
| next_appointment_date, next_appointment_time | as above, or None when no later infusion is booked |
| fasting_hours | 6 |
| days_since_infusion | 1, 3, 7 for check-ins, 28 for a booster reminder; None otherwise |
| series_number, series_size | 3, 6: infusion 3 of the 6 of its series booked so far |
| next_in_series | True when the next infusion belongs to the same series |
| later_in_series | True for an infusion after the first of its series, briefly prepared |
| ask_ride | True when this message asks the patient to confirm their ride (YES or CALL) |
| appointment_tomorrow | True when it goes the day before the appointment (an early one's reminder) |
| step, kind | checkin_day3, checkin |
| survey_question | the first question of the step's survey, or its rating scale's first item (None for steps without one) |
| reply_hint | Reply STOP to opt out. |

Replies to a patient's text (`reply_*` templates) and the opt-in disclosure get a smaller
context from `reply_context`: the clinic's names and numbers, patient_first_name (empty for
a number that matches no patient), reply_hint, and what an opt-in must state:
sms_per_day_max (the planned SMS a day at most: the daily cap and the discharge; None
without a cap), privacy_url and terms_url (`[consent]`, "" when unset).
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from followup.core.clock import resolve_local
from followup.protocol import Clinic, Protocol, Step
from followup.replies.survey import first_question

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
}  # fmt: skip
_REPLY_HINT = {
    "en": "Reply STOP to opt out.",
    "es": "Responda STOP para darse de baja.",
}


def _lang(language: str) -> str:
    return language if language in _WEEKDAYS else "en"


def format_date(local: datetime, language: str) -> str:
    """A patient-friendly date in the patient's language: "Tuesday, March 3"."""
    lang = _lang(language)
    weekday, month = _WEEKDAYS[lang][local.weekday()], _MONTHS[lang][local.month - 1]
    if lang == "es":
        return f"{weekday} {local.day} de {month}"
    return f"{weekday}, {month} {local.day}"


def format_time(local: datetime, language: str) -> str:
    """A wall-clock time as the language writes it: "9:30 AM" or "9:30"."""
    if _lang(language) == "es":
        return f"{local.hour}:{local.minute:02d}"
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def display_phone(e164: str, country: str) -> str:
    """A clinic number as people in its country write it."""
    parsed = phonenumbers.parse(e164, country)
    if phonenumbers.region_code_for_number(parsed) == country:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@functools.lru_cache(maxsize=16)
def _clinic_phones(clinic: Clinic) -> tuple[str, str]:
    """The clinic's and on-call numbers for display; parsing them costs more than rendering."""
    return (
        display_phone(clinic.phone, clinic.country),
        display_phone(clinic.on_call_phone, clinic.country),
    )


def message_context(
    *,
    first_name: str,
    language: str,
    tz: ZoneInfo,
    appointment_start: datetime,
    next_start: datetime | None,
    step: Step,
    treatment: str | None,
    protocol: Protocol,
    location: str | None = None,
    series_number: int | None = None,
    series_size: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything a template may use for one message; times shown in the patient's zone.

    The series place is the appointment's stored one; None (not yet derived) reads as an
    infusion on its own. `now` is when it goes: a reminder sent the evening before says
    "tomorrow". `location` is the appointment's: its name, numbers and address.
    """
    clinic = protocol.clinic_at(location)
    clinic_phone, on_call_phone = _clinic_phones(clinic)
    start = appointment_start.astimezone(tz)
    nxt = next_start.astimezone(tz) if next_start else None
    return {
        **series_context(step, protocol, series_number or 1, series_size or 1, nxt is not None),
        "patient_first_name": first_name,
        "clinic_name": clinic.name,
        "clinic_phone": clinic_phone,
        "on_call_phone": on_call_phone,
        "clinic_address": clinic.address,
        "crisis_line": clinic.crisis_line,
        "emergency_number": clinic.emergency_number,
        "appointment_date": format_date(start, language),
        "appointment_time": format_time(start, language),
        "appointment_tomorrow": (
            now is not None and start.date() == now.astimezone(tz).date() + timedelta(days=1)
        ),
        "next_appointment_date": format_date(nxt, language) if nxt else None,
        "next_appointment_time": format_time(nxt, language) if nxt else None,
        "fasting_hours": protocol.fasting_hours_for(treatment),
        "days_since_infusion": step.day_after if step.kind in ("checkin", "booster") else None,
        "step": step.key,
        "kind": step.kind,
        "survey_question": (
            first_question(protocol, step.conversation, treatment, language)
            if step.conversation
            else None
        ),
        "reply_hint": _REPLY_HINT[_lang(language)],
    }


def series_context(
    step: Step, protocol: Protocol, number: int, size: int, has_next: bool
) -> dict[str, Any]:
    """What a message says because of its infusion's place in a series.

    Later infusions of a series are prepared briefly (`planning.series_preparation`): the
    previous discharge names the next infusion, and the ride question goes with its
    reminder ("discharge") or with the note the evening before ("evening_before").
    """
    mode = protocol.planning.series_preparation
    next_in_series = has_next and number < size
    later = number > 1 and mode != "every_infusion"
    ask_ride = (step.kind == "reminder" and later and mode == "discharge") or (
        step.kind == "next_infusion" and next_in_series and mode == "evening_before"
    )
    return {
        "series_number": number,
        "series_size": size,
        "next_in_series": next_in_series,
        "later_in_series": later,
        "ask_ride": ask_ride,
    }


def reply_context(
    protocol: Protocol, language: str, first_name: str = "", location: str | None = None
) -> dict[str, Any]:
    """What a reply template may use: nothing about an appointment; the patient's location
    names the clinic and its numbers.

    A reply may go to a number that matches no patient; first_name is then empty.
    """
    clinic = protocol.clinic_at(location)
    clinic_phone, on_call_phone = _clinic_phones(clinic)
    return {
        "clinic_name": clinic.name,
        "clinic_phone": clinic_phone,
        "on_call_phone": on_call_phone,
        "crisis_line": clinic.crisis_line,
        "emergency_number": clinic.emergency_number,
        "patient_first_name": first_name,
        "reply_hint": _REPLY_HINT[_lang(language)],
        "sms_per_day_max": sms_per_day_max(protocol),
        "privacy_url": protocol.consent.privacy_url or "",
        "terms_url": protocol.consent.terms_url or "",
    }


def sms_per_day_max(protocol: Protocol) -> int | None:
    """The most planned SMS a patient gets in a day: the daily cap plus the discharge,
    which the cap leaves out; None when there is no cap."""
    cap = protocol.planning.max_sms_per_day
    return cap + 1 if cap else None


def sample_context(
    protocol: Protocol,
    language: str,
    step: Step,
    *,
    first_name: str = "Ana",
    next_appointment: bool = True,
    later_in_series: bool = False,
    treatment: str | None = None,
) -> dict[str, Any]:
    """A context for previews and template checks: an infusion at 9:30 clinic time.

    The first of its series, or the second; with a next appointment, one more follows.
    """
    tz = protocol.clinic.tz
    start = resolve_local(date(2026, 3, 3), time(9, 30), tz)
    number = 2 if later_in_series else 1
    return message_context(
        first_name=first_name,
        language=language,
        tz=tz,
        appointment_start=start,
        next_start=start + timedelta(days=2) if next_appointment else None,
        step=step,
        treatment=treatment,
        protocol=protocol,
        series_number=number,
        series_size=number + 1 if next_appointment else number,
    )
