"""Resolve a TZID by name: IANA, a Windows zone id, or an Outlook/Exchange display name."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

# "(UTC-06:00) Central Time (US & Canada)", "(GMT+10:00) Canberra, Melbourne, Sydney", "(UTC) ..."
_DISPLAY_PREFIX = re.compile(
    r"^\((?:UTC|GMT)(?:(?P<sign>[+-])(?P<hours>\d{1,2}):?(?P<minutes>\d{2}))?\)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# "Central Time (US & Canada)" is Windows' "Central Standard Time": the id CLDR maps.
_GENERIC_NAME = re.compile(r"^(?P<base>.+?) Time(?: \((?P<region>[^)]*)\))?$", re.IGNORECASE)
# Windows display names carry today's standard offset; any recent year checks it.
_REFERENCE_DAYS = (datetime(2025, 1, 15, 12), datetime(2025, 7, 15, 12))  # noqa: DTZ001


def public_zone(tzid: str) -> tzinfo | None:
    """The zone a TZID names without a VTIMEZONE of the file, or None if none is certain."""
    name = " ".join(tzid.replace("\\", "").split()).strip('"')
    # Resolved by name, never from icalendar's process-wide cache, which another file's
    # VTIMEZONE of the same name may have filled.
    zone = _load(_windows_ids().get(name.lower(), name))
    return zone if zone is not None else _display_name_zone(name)


def _display_name_zone(name: str) -> tzinfo | None:
    """Outlook's display name: its Windows id when it says "X Time", else a city it lists.

    With an "(UTC±hh:mm)" prefix, a candidate whose standard offset differs is refused, so a
    city that moved zone ("Chihuahua") or shares a name cannot give a wrong hour.
    """
    match = _DISPLAY_PREFIX.match(name)
    offset = _prefix_offset(match) if match else None
    rest = match["rest"] if match else name
    for candidate in _candidates(rest):
        zone = _load(candidate)
        if zone is not None and (offset is None or offset in _standard_offsets(zone)):
            return zone
    return None


def _candidates(rest: str) -> list[str]:
    found: list[str] = []
    generic = _GENERIC_NAME.match(rest)
    if generic:
        base, region = generic["base"], _normalise_region(generic["region"] or "")
        windows = _windows_ids()
        for windows_id in (f"{base} Standard Time ({region})", f"{base} Standard Time"):
            if (olson := windows.get(windows_id.lower())) is not None:
                found.append(olson)
    for part in rest.split(","):
        found.extend(_cities().get(part.strip().replace(" ", "_").lower(), ()))
    return found


def _normalise_region(region: str) -> str:
    # Exchange writes "(US and Canada)" where Windows writes "(US & Canada)".
    return " ".join(region.replace(" and ", " & ").split())


def _prefix_offset(match: re.Match[str]) -> timedelta:
    if match["sign"] is None:
        return timedelta(0)
    offset = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"]))
    return -offset if match["sign"] == "-" else offset


def _standard_offsets(zone: tzinfo) -> set[timedelta]:
    offsets = {zone.utcoffset(day.replace(tzinfo=zone)) for day in _REFERENCE_DAYS}
    standard = {
        (zone.utcoffset(aware) or timedelta(0)) - (zone.dst(aware) or timedelta(0))
        for aware in (day.replace(tzinfo=zone) for day in _REFERENCE_DAYS)
    }
    # Europe/Dublin's winter is a negative DST in tzdata; its clock then reads GMT.
    return standard | {min(o for o in offsets if o is not None)}


def _load(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@cache
def _windows_ids() -> dict[str, str]:
    """CLDR's windowsZones table as icalendar ships it, by lower-cased Windows id."""
    return {windows.lower(): olson for windows, olson in WINDOWS_TO_OLSON.items()}


@cache
def _cities() -> dict[str, tuple[str, ...]]:
    """IANA zones by their last part ("sydney", "arizona"), canonical Area/City names first."""
    index: dict[str, list[str]] = {}
    for name in sorted(available_timezones(), key=lambda n: (n.startswith(("US/", "Canada/")), n)):
        index.setdefault(name.rsplit("/", 1)[-1].lower(), []).append(name)
    return {city: tuple(names) for city, names in index.items()}
