"""Keep a recurring event's expansion to the import window: refuse runaway rules, trim the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Occurrences of one event inside the window past which the event is refused. Every rule
# that is read makes at most one a day and the window is at most 790 days, so only a
# flood of RDATEs reaches it.
MAX_OCCURRENCES = 1000
_SUB_DAILY = {"SECONDLY": "second", "MINUTELY": "minute", "HOURLY": "hour"}
_DAY_STEPS = {"DAILY": 1, "WEEKLY": 7}
_MONTH_STEPS = {"MONTHLY": 1, "YEARLY": 12}


def rule_problem(component: Any) -> str | None:
    """Say in one line why an RRULE cannot be an infusion series, or None."""
    for rule in _rules(component):
        freq = _first(rule, "FREQ")
        if freq in _SUB_DAILY:
            return f"not an infusion: repeats every {_SUB_DAILY[freq]} (RRULE FREQ={freq})"
        per_day = 1
        for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            per_day *= max(1, len(rule.get(part, [])))
        if per_day > 1:
            return "not an infusion: repeats more than once a day (RRULE BYHOUR/BYMINUTE/BYSECOND)"
    return None


def trim_to_window(
    component: Any, window_start: datetime, window_end: datetime, clinic_tz: ZoneInfo
) -> None:
    """Expand a master's rule over the window only, not from a DTSTART decades back.

    UNTIL is cut to just past the window's end (dateutil otherwise walks to year 9999 for a
    rule that never matches), and DTSTART moves forward by whole periods of the rule, which
    leaves every occurrence from there on where it was. A COUNT depends on the first
    occurrence, so a rule with one keeps its DTSTART.
    """
    if "RECURRENCE-ID" in component or "DTSTART" not in component:
        return
    start = component["DTSTART"].dt
    if not isinstance(start, date):
        return
    for rule in _rules(component):
        if "COUNT" not in rule:
            _cut_until(rule, start, window_end + timedelta(days=2), clinic_tz)
    rules = _rules(component)
    if len(rules) != 1 or "COUNT" in rules[0]:
        return
    _move_start(component, rules[0], start, window_start, clinic_tz)


def _cut_until(rule: Any, start: date, limit: datetime, clinic_tz: ZoneInfo) -> None:
    until = _first(rule, "UNTIL")
    if until is not None and _as_utc(until, clinic_tz) <= limit:
        return
    if isinstance(start, datetime):
        # RFC 5545: UNTIL is UTC when DTSTART has a zone, floating when DTSTART floats.
        cut = limit if start.tzinfo is not None else limit.astimezone(clinic_tz)
        rule["UNTIL"] = [cut if start.tzinfo is not None else cut.replace(tzinfo=None)]
    else:
        rule["UNTIL"] = [limit.astimezone(clinic_tz).date()]


def _move_start(
    component: Any, rule: Any, start: date, window_start: datetime, clinic_tz: ZoneInfo
) -> None:
    freq, interval = _first(rule, "FREQ"), int(_first(rule, "INTERVAL") or 1)
    end_prop = component.get("DTEND")
    end = end_prop.dt if end_prop is not None else start
    if type(end) is not type(start) or _floating(start) != _floating(end):
        return  # refused or read per occurrence; not worth moving
    # The moved DTSTART is an occurrence even where the rule would skip it (RFC 5545): keep
    # it, and all it lasts, before the window.
    target = window_start - max(end - start, timedelta(0)) - timedelta(days=2)
    days = (target - _as_utc(start, clinic_tz)).days
    if freq in _DAY_STEPS:
        step = _DAY_STEPS[freq] * interval
        periods = days // step
        if periods <= 0:
            return
        component["DTSTART"].dt = _shift_days(start, periods * step)
        if end_prop is not None:
            end_prop.dt = _shift_days(end, periods * step)
    elif freq in _MONTH_STEPS and start.day <= 28 and end.day <= 28:
        step = _MONTH_STEPS[freq] * interval
        periods = (days // 31) // step  # fewer months than passed: still before the target
        if periods <= 0:
            return
        component["DTSTART"].dt = _shift_months(start, periods * step)
        if end_prop is not None:
            end_prop.dt = _shift_months(end, periods * step)


def _floating(value: date) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None


def _shift_days(value: Any, days: int) -> Any:
    # Whole days on the wall clock, as the rule counts them, whatever DST did in between.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return (value.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=value.tzinfo)
    return value + timedelta(days=days)


def _shift_months(value: Any, months: int) -> Any:
    index = value.year * 12 + value.month - 1 + months
    return value.replace(year=index // 12, month=index % 12 + 1)


def _as_utc(value: date, clinic_tz: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)  # noqa: DTZ001 - zoned below
    local = value if value.tzinfo is not None else value.replace(tzinfo=clinic_tz)
    return local.astimezone(UTC)


def _rules(component: Any) -> list[Any]:
    rules = component.get("RRULE")
    if rules is None:
        return []
    return list(rules) if isinstance(rules, list) else [rules]


def _first(rule: Any, name: str) -> Any:
    values = rule.get(name)
    if not values:
        return None
    return values[0] if isinstance(values, list) else values
