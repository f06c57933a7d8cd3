"""Read an iCalendar (.ics) file into appointment events."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from followup.calendar.events import (
    AppointmentEvent,
    EventStatus,
    PatientRef,
    Rejected,
    SourceRead,
)
from followup.calendar.ics_file import describe, one_line, parse_calendars
from followup.calendar.recurrence import MAX_OCCURRENCES, rule_problem, trim_to_window
from followup.calendar.zones import public_zone
from followup.core.clock import require_aware

# Time-valued properties: a TZID on any of them must resolve, or the hour is a guess.
_TIME_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
# A value icalendar could not parse in one of these changes when, or whether, we message.
_CRITICAL_PROPERTIES = frozenset({*_TIME_PROPERTIES, "DURATION", "RRULE", "STATUS", "SEQUENCE"})
_SINGLE_VALUED = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "STATUS", "SEQUENCE")
_RECURRENCE_PROPERTIES = ("RRULE", "RDATE", "RECURRENCE-ID")
_ALL_DAY = "not an infusion: all-day event"


# Bounds for reading one single event wherever it lies.
_FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)
_FAR_FUTURE = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Options:
    clinic_tz: ZoneInfo
    window_start: datetime
    window_end: datetime
    default_duration: timedelta
    known_treatments: frozenset[str]


class _Unusable(Exception):
    """One occurrence cannot become an event; the message is the rejection reason."""


@dataclass(slots=True)
class _Zones:
    """This file's own VTIMEZONEs by TZID, built only when an event needs one."""

    components: dict[str, Any]
    built: dict[str, tzinfo] = field(default_factory=dict)

    def get(self, tzid: str) -> tzinfo | None:
        """This file's zone for a TZID, else the IANA or Windows zone of that name."""
        if tzid not in self.built:
            component = self.components.get(tzid)
            zone = (
                component.to_tz(lookup_tzid=False) if component is not None else public_zone(tzid)
            )
            if zone is None:
                return None
            self.built[tzid] = zone
        return self.built[tzid]


def read_ics(
    data: bytes,
    *,
    clinic_tz: ZoneInfo,
    window_start: datetime,
    window_end: datetime,
    default_duration: timedelta,
    known_treatments: frozenset[str],
) -> SourceRead:
    """Read the VEVENTs of an iCalendar file that touch the window, occurrence by occurrence.

    Raises `SourceError` when the file as a whole is not a readable iCalendar file.
    """
    options = _Options(
        clinic_tz=clinic_tz,
        window_start=require_aware(window_start, "window_start"),
        window_end=require_aware(window_end, "window_end"),
        default_duration=default_duration,
        known_treatments=frozenset(t.lower() for t in known_treatments),
    )
    calendars, skipped = parse_calendars(data)
    zones = _Zones(
        {
            str(c["TZID"]): c
            for calendar in calendars
            for c in calendar.subcomponents
            if c.name == "VTIMEZONE" and "TZID" in c
        }
    )
    read = SourceRead(skipped=skipped)
    events = [c for calendar in calendars for c in calendar.subcomponents if c.name == "VEVENT"]
    series, read.rejected = _group_by_uid(events)
    for uid, components in series.items():
        try:
            part = _read_series(uid, components, zones, options)
        except Exception as exc:  # one bad series must not sink the import
            reason = f"could not read event: {describe(exc)}"
            part = SourceRead(rejected=[Rejected(uid, reason, uid=uid)])
        read.events.extend(part.events)
        read.rejected.extend(part.rejected)
        read.outside_window += part.outside_window
        read.beyond_window.extend(part.beyond_window)
    return read


def _group_by_uid(events: list[Any]) -> tuple[dict[str, list[Any]], list[Rejected]]:
    """Group VEVENTs into series by UID; a master and its overrides share one."""
    series: dict[str, list[Any]] = {}
    rejected: list[Rejected] = []
    for event in events:
        uid = str(event.get("UID", "")).strip()
        if uid:
            series.setdefault(uid, []).append(event)
        else:
            rejected.append(Rejected(_no_uid_ref(event), "event has no UID"))
    return series, rejected


def _no_uid_ref(event: Any) -> str:
    start = event.get("DTSTART")
    try:
        start_text = start.dt.isoformat()
    except Exception:  # missing, repeated or broken: any of them is "no DTSTART"
        start_text = "(no DTSTART)"
    summary = one_line(str(event.get("SUMMARY", "")))[:30]
    return f"(no UID) {start_text} {summary}".rstrip()


def _read_series(uid: str, components: list[Any], zones: _Zones, options: _Options) -> SourceRead:
    """Expand one UID's master and overrides into events inside the window.

    Rejections carry the series UID, so sync does not take a present event for a deleted one.
    """
    for component in components:
        # A bad override is not dropped alone: the master would then yield the old time.
        problem = _component_problem(component, zones, options.clinic_tz)
        if problem is not None:
            return SourceRead(rejected=[Rejected(uid, problem, uid=uid)])
    recurring = any(name in c for c in components for name in _RECURRENCE_PROPERTIES)
    if recurring:
        for component in components:
            trim_to_window(component, options.window_start, options.window_end, options.clinic_tz)
    occurrences = _expand(components, options)
    if len(occurrences) > MAX_OCCURRENCES:
        reason = f"repeats more than {MAX_OCCURRENCES} times in the import window"
        return SourceRead(rejected=[Rejected(uid, reason, uid=uid)])
    if not occurrences:
        return SourceRead(
            outside_window=1, beyond_window=[] if recurring else _beyond(components, uid, options)
        )
    read = SourceRead()
    for occurrence in occurrences:
        try:
            read.events.append(_to_event(occurrence, uid, recurring=recurring, options=options))
        except _Unusable as exc:
            rejection = Rejected(uid, str(exc), uid=uid)
            if rejection not in read.rejected:  # an all-day series would repeat it daily
                read.rejected.append(rejection)
    return read


def _beyond(components: list[Any], uid: str, options: _Options) -> list[AppointmentEvent]:
    """A single event outside the window, read anyway: sync may hold it at an older time."""
    wide = replace(options, window_start=_FAR_PAST, window_end=_FAR_FUTURE)
    try:
        return [_to_event(o, uid, recurring=False, options=wide) for o in _expand(components, wide)]
    except Exception:
        return []  # it is outside the window either way; counting it is enough


def _component_problem(component: Any, zones: _Zones, clinic_tz: ZoneInfo) -> str | None:
    """Say why a VEVENT cannot be trusted, or None. Pins TZIDs to this file's zones."""
    for name, message in component.errors:
        if name is None:
            return "event has a line that could not be parsed"
        if name in _CRITICAL_PROPERTIES:
            return f"{name} could not be read: {one_line(message)}"
    for name in _SINGLE_VALUED:
        if isinstance(component.get(name), list):
            return f"event has more than one {name}"
    if "DTSTART" not in component:
        return "event has no DTSTART"
    if (rule := rule_problem(component)) is not None:
        return rule
    _keep_dates(component)
    if _all_day_with_timed_end(component):
        return _ALL_DAY
    tzid = _pin_zones(component, zones)
    if tzid is not None:
        return f"unknown TZID {tzid!r}"
    return _order_problem(component, clinic_tz)


def _keep_dates(component: Any) -> None:
    """Make a VALUE=DATE that also carries a TZID the date it is, not midnight in that zone.

    icalendar reads `DTSTART;TZID=America/Chicago;VALUE=DATE:20270115` as a date-time; RFC
    5545 says it is a date, so the event is all-day, whatever zone was added beside it.
    """
    for name in _TIME_PROPERTIES:
        for prop in _as_list(component.get(name)):
            if str(prop.params.get("VALUE", "")).upper() != "DATE":
                continue
            for value in getattr(prop, "dts", [prop]):
                if isinstance(value.dt, datetime):
                    value.dt = value.dt.date()


def _all_day_with_timed_end(component: Any) -> bool:
    """A DATE DTSTART with a DATE-TIME DTEND: all-day (RFC 5545), though the end has a time.

    recurring_ical_events turns such a start into midnight UTC, which would book it as an
    infusion lasting until the DTEND, weeks later.
    """
    start, end = component["DTSTART"].dt, getattr(component.get("DTEND"), "dt", None)
    return type(start) is date and isinstance(end, datetime)


def _pin_zones(component: Any, zones: _Zones) -> str | None:
    """Give TZID times this file's own VTIMEZONE; return a TZID that cannot be resolved.

    icalendar caches custom VTIMEZONEs by TZID for the whole process, first definition
    wins, so without this another clinic's file could decide this file's hours.
    """
    for name in _TIME_PROPERTIES:
        for prop in _as_list(component.get(name)):
            tzid = prop.params.get("TZID")
            if tzid is None:
                continue
            for value in getattr(prop, "dts", [prop]):
                pinned = _pin(value.dt, one_line(str(tzid)), zones)
                if pinned is None:
                    return one_line(str(tzid))
                value.dt = pinned
    return None


def _pin(value: Any, tzid: str, zones: _Zones) -> Any:
    """Return the value with this file's zone attached, or None if the TZID is unknown."""
    if isinstance(value, tuple):  # an RDATE period
        parts = [_pin(part, tzid, zones) for part in value]
        return None if any(part is None for part in parts) else tuple(parts)
    if not isinstance(value, datetime) or isinstance(value.tzinfo, ZoneInfo | timezone):
        return value  # dates and durations have no zone; IANA and Windows names resolved
    own = zones.get(tzid)
    return None if own is None else value.replace(tzinfo=own)


def _order_problem(component: Any, clinic_tz: ZoneInfo) -> str | None:
    # recurring_ical_events silently swaps a start and end given in the wrong order.
    duration = component.get("DURATION")
    if duration is not None and isinstance(duration.dt, timedelta) and duration.dt < timedelta(0):
        return "DURATION is negative"
    start, end = component["DTSTART"].dt, getattr(component.get("DTEND"), "dt", None)
    if isinstance(start, datetime) and isinstance(end, datetime):
        end = _beside(end, start)
        start, end = _as_utc(start, clinic_tz), _as_utc(end, clinic_tz)
    elif not (type(start) is date and type(end) is date):
        return None  # no DTEND, or a date mixed with a date-time: checked per occurrence
    return "DTEND is before DTSTART" if end < start else None


def _expand(components: list[Any], options: _Options) -> list[Any]:
    calendar = icalendar.Calendar()
    for component in components:
        calendar.add_component(component)
    # recurring_ical_events reads floating times in the window's zone: make that clinic time.
    start = options.window_start.astimezone(options.clinic_tz)
    end = options.window_end.astimezone(options.clinic_tz)
    return list(recurring_ical_events.of(calendar).between(start, end))


def _to_event(occurrence: Any, uid: str, *, recurring: bool, options: _Options) -> AppointmentEvent:
    raw_start = occurrence["DTSTART"].dt
    if not isinstance(raw_start, datetime):
        if isinstance(raw_start, date):
            raise _Unusable(_ALL_DAY)
        raise _Unusable("DTSTART is not a date-time")
    start = _as_utc(raw_start, options.clinic_tz)
    end = _end(occurrence, start, options)
    if recurring:
        uid = f"{uid}/{_recurrence_id(occurrence, raw_start, options.clinic_tz):%Y%m%dT%H%M%SZ}"
    status = str(occurrence.get("STATUS", "")).strip().upper()
    return AppointmentEvent(
        uid=uid,
        start=start,
        end=end,
        patient=_patient(occurrence),
        status=EventStatus.CANCELLED if status == "CANCELLED" else EventStatus.BOOKED,
        treatment=_treatment(occurrence, options.known_treatments),
        location=one_line(str(occurrence.get("LOCATION", "")))[:200] or None,
        sequence=int(occurrence.get("SEQUENCE", 0)),
        last_modified=_last_modified(occurrence),
    )


def _end(occurrence: Any, start: datetime, options: _Options) -> datetime:
    # recurring_ical_events already turns DURATION into DTEND; DURATION is the fallback.
    end_prop = occurrence.get("DTEND")
    duration = occurrence.get("DURATION")
    if end_prop is not None:
        if not isinstance(end_prop.dt, datetime):
            raise _Unusable("DTEND is a date but DTSTART is a date-time")
        end = _as_utc(_beside(end_prop.dt, occurrence["DTSTART"].dt), options.clinic_tz)
    elif duration is not None and isinstance(duration.dt, timedelta):
        end = start + duration.dt
    else:
        end = start
    if end < start:
        raise _Unusable("DTEND is before DTSTART")
    return start + options.default_duration if end == start else end


def _beside(end: datetime, start: datetime) -> datetime:
    # A DTEND without a zone beside a zoned DTSTART is in DTSTART's zone: what Outlook means.
    return end.replace(tzinfo=start.tzinfo) if end.tzinfo is None else end


def _recurrence_id(occurrence: Any, raw_start: datetime, clinic_tz: ZoneInfo) -> datetime:
    """The occurrence's original start in UTC, so a moved occurrence keeps its uid."""
    prop = occurrence.get("RECURRENCE-ID")
    original = prop.dt if prop is not None and isinstance(prop.dt, datetime) else raw_start
    return _as_utc(original, clinic_tz)


def _as_utc(value: datetime, clinic_tz: ZoneInfo) -> datetime:
    # A floating time (no zone) is the clinic's wall-clock time.
    local = value if value.tzinfo is not None else value.replace(tzinfo=clinic_tz)
    return local.astimezone(UTC)


def _patient(occurrence: Any) -> PatientRef:
    ids = (str(value).strip() for value in _as_list(occurrence.get("X-PATIENT-ID")))
    emails: list[str] = []
    phones: list[str] = []
    for attendee in _as_list(occurrence.get("ATTENDEE")):
        scheme, _, address = str(attendee).strip().partition(":")
        address = address.strip()
        if scheme.lower() == "mailto" and address:
            emails.append(address.lower())
        elif scheme.lower() == "tel" and address:
            phones.append(address)
    return PatientRef(
        patient_id=next((i for i in ids if i), None),
        emails=tuple(dict.fromkeys(emails)),
        phones=tuple(dict.fromkeys(phones)),
    )


def _treatment(occurrence: Any, known_treatments: frozenset[str]) -> str | None:
    for value in _as_list(occurrence.get("X-TREATMENT")):
        if text := str(value).strip().lower():
            return text
    for categories in _as_list(occurrence.get("CATEGORIES")):
        for category in getattr(categories, "cats", [categories]):
            if (name := str(category).strip().lower()) in known_treatments:
                return name
    return None


def _last_modified(occurrence: Any) -> datetime | None:
    prop = occurrence.get("LAST-MODIFIED")
    if isinstance(prop, list) or isinstance(prop, icalendar.vBroken):
        return None
    value = getattr(prop, "dt", None)
    if not isinstance(value, datetime):
        return None
    # RFC 5545 says LAST-MODIFIED is UTC; a writer that dropped the Z still meant UTC.
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _as_list(value: Any) -> list[Any]:
    # icalendar gives one value for one line and a list when the property repeats.
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
