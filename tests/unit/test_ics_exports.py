"""Calendars in the shape Apple, Exchange, Office 365, Google and WordPress export them."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from followup.calendar.events import AppointmentEvent, SourceRead
from followup.calendar.ics import read_ics

EXPORTS = Path(__file__).parent.parent / "fixtures" / "ics" / "exports"
CHICAGO = ZoneInfo("America/Chicago")


def read(name: str, *, window_end: datetime = datetime(2027, 3, 1, tzinfo=UTC)) -> SourceRead:
    return read_ics(
        (EXPORTS / name).read_bytes(),
        clinic_tz=CHICAGO,
        window_start=datetime(2027, 1, 1, tzinfo=UTC),
        window_end=window_end,
        default_duration=timedelta(minutes=90),
        known_treatments=frozenset({"ketamine"}),
    )


def starts(result: SourceRead, uid_prefix: str) -> list[datetime]:
    return sorted(e.start for e in result.events if e.uid.startswith(uid_prefix))


def by_patient(result: SourceRead) -> dict[str | None, AppointmentEvent]:
    return {e.patient.patient_id: e for e in result.events}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- 1. an all-day date with a TZID is still all-day ---------------------------------------


def test_all_day_date_with_a_tzid_is_rejected_as_all_day_not_booked_at_midnight() -> None:
    result = read("apple_all_day_with_tzid.ics")
    assert [(r.ref, r.reason) for r in result.rejected] == [
        ("4F1C7D0A-8E2B-4C55-9D1B-ALLDAY-CLOSED", "not an infusion: all-day event")
    ]
    assert [e.patient.patient_id for e in result.events] == ["P-1002"]
    assert result.events[0].start == utc(2027, 1, 18, 15, 0)


# --- 2. Outlook and Exchange display-name zones without a VTIMEZONE ------------------------


def test_exchange_display_name_zones_are_read_as_outlook_shows_them() -> None:
    result = read("exchange2010_display_name_zones.ics")
    events = by_patient(result)
    # 09:00 in Chicago (CST, UTC-6) and in Melbourne (AEDT, UTC+11) on 15 January.
    assert (events["P-2001"].start, events["P-2001"].end) == (
        utc(2027, 1, 15, 15),
        utc(2027, 1, 15, 16, 30),
    )
    assert events["P-2002"].start == utc(2027, 1, 14, 22)
    # "Eastern Time (US and Canada)", Exchange's spelling of "(US & Canada)": 10:00 New York.
    assert starts(result, "040000008200E00074C5B7101A82E00800000000E2F3") == [
        utc(2027, 1, day, 15) for day in (8, 15, 22, 29)
    ]


def test_display_name_that_names_no_zone_for_certain_is_refused_by_name_not_guessed() -> None:
    result = read("exchange2010_display_name_zones.ics")
    assert [r.reason for r in result.rejected] == ["unknown TZID '(UTC-05:00) Indiana (East)'"]


# --- 3. runaway rules ----------------------------------------------------------------------


def test_sub_daily_rules_are_refused_with_a_one_line_reason_and_the_rest_is_read() -> None:
    began = time.monotonic()
    result = read("google_runaway_rules.ics")
    # A generous functional bound: on main this file gave no answer in a minute.
    assert time.monotonic() - began < 30
    assert sorted((r.ref, r.reason) for r in result.rejected) == [
        ("0minutely1997@google.com", "not an infusion: repeats every minute (RRULE FREQ=MINUTELY)"),
        ("1secondly1997@google.com", "not an infusion: repeats every second (RRULE FREQ=SECONDLY)"),
        ("2hourly1997@google.com", "not an infusion: repeats every hour (RRULE FREQ=HOURLY)"),
        (
            "3dailybyminute1997@google.com",
            "not an infusion: repeats more than once a day (RRULE BYHOUR/BYMINUTE/BYSECOND)",
        ),
    ]
    assert by_patient(result)["P-3002"].start == utc(2027, 1, 15, 19)


def test_series_begun_decades_ago_keeps_its_fortnightly_rhythm_and_exdate_in_the_window() -> None:
    result = read("google_runaway_rules.ics")
    # Every other week since Monday 6 January 1997, Mondays and Thursdays, 09:00 New York;
    # 25 January 2027 is excluded.
    assert (date(2027, 1, 11) - date(1997, 1, 6)).days % 14 == 0
    assert starts(result, "4biweekly1997@google.com") == [
        utc(2027, 1, 11, 14),
        utc(2027, 1, 14, 14),
        utc(2027, 1, 28, 14),
        utc(2027, 2, 8, 14),
        utc(2027, 2, 11, 14),
        utc(2027, 2, 22, 14),
        utc(2027, 2, 25, 14),
    ]


def test_rule_that_never_matches_is_read_as_nothing_in_the_window() -> None:
    result = read("google_runaway_rules.ics")
    assert not [e for e in result.events if e.uid.startswith("5neverfebruary30")]
    assert not [r for r in result.rejected if r.ref.startswith("5neverfebruary30")]


# --- 4. one bad part outside the events does not lose the file -----------------------------


def test_bad_vtimezone_valarm_and_vtodo_are_skipped_by_name_and_line_and_events_kept() -> None:
    result = read("office365_bad_parts_outside_events.ics")
    assert sorted(e.patient.patient_id for e in result.events) == ["P-5001", "P-5002"]
    assert by_patient(result)["P-5001"].start == utc(2027, 1, 15, 15)
    assert result.rejected == []
    skipped = [(s.ref, s.reason) for s in result.skipped]
    assert skipped == [
        (
            "VTIMEZONE Customized Time Zone (line 21)",
            "skipped: TZOFFSETTO on line 26 could not be read: "
            "Expected UTC offset, got: -06:00:00:00",
        ),
        (
            "VALARM of 040000008200E00074C5B7101A82E0080000000011223344DB0100000000000000001"
            "0000000AAAA (line 38)",
            "skipped: TRIGGER on line 40 could not be read: Invalid iCalendar duration: PT-2H",
        ),
        (
            "VTODO 040000008200E00074C5B7101A82E00800000000TODO0001 (line 44)",
            "skipped: DUE on line 47 could not be read: "
            "Expected datetime, date, or time. Got: '2027-01-20'",
        ),
    ]


def test_wordpress_repeated_tzid_skips_its_vtimezone_and_reads_the_event_in_that_zone() -> None:
    result = read("wordpress_repeated_tzid.ics")
    assert [(s.ref, s.reason) for s in result.skipped] == [
        (
            "VTIMEZONE America/Chicago (line 12)",
            "skipped: VTIMEZONE has more than one TZID (lines 13 and 14)",
        )
    ]
    assert by_patient(result)["P-4001"].start == utc(2027, 1, 15, 15)


@pytest.mark.parametrize("name", sorted(p.name for p in EXPORTS.glob("*.ics")))
def test_no_message_names_an_internal_exception(name: str) -> None:
    result = read(name)
    for item in [*result.rejected, *result.skipped]:
        assert "Error" not in item.reason and "Exception" not in item.reason
        assert "\n" not in item.reason and "\n" not in item.ref


# --- what the README promises beside these ------------------------------------------------


def test_dtend_without_zone_beside_zoned_dtstart_is_read_in_dtstarts_zone() -> None:
    data = (
        (EXPORTS / "wordpress_repeated_tzid.ics")
        .read_bytes()
        .replace(b"DTEND;TZID=America/Chicago:20270115T103000", b"DTEND:20270115T103000")
    )
    event = read_ics(
        data,
        clinic_tz=ZoneInfo("Europe/London"),
        window_start=datetime(2027, 1, 1, tzinfo=UTC),
        window_end=datetime(2027, 3, 1, tzinfo=UTC),
        default_duration=timedelta(minutes=90),
        known_treatments=frozenset(),
    ).events[0]
    # 10:30 in Chicago, not 10:30 in the clinic's London.
    assert event.end == utc(2027, 1, 15, 16, 30)


def test_override_whose_recurrence_id_matches_no_occurrence_is_booked_on_its_own() -> None:
    data = (
        (EXPORTS / "google_runaway_rules.ics")
        .read_bytes()
        .replace(
            b"END:VCALENDAR",
            b"BEGIN:VEVENT\r\nUID:4biweekly1997@google.com\r\nDTSTAMP:20261220T120000Z\r\n"
            b"RECURRENCE-ID;TZID=America/New_York:20270112T090000\r\n"
            b"DTSTART;TZID=America/New_York:20270113T090000\r\n"
            b"DTEND;TZID=America/New_York:20270113T103000\r\nEND:VEVENT\r\nEND:VCALENDAR",
        )
    )
    result = read_ics(
        data,
        clinic_tz=CHICAGO,
        window_start=datetime(2027, 1, 1, tzinfo=UTC),
        window_end=datetime(2027, 1, 20, tzinfo=UTC),
        default_duration=timedelta(minutes=90),
        known_treatments=frozenset(),
    )
    assert starts(result, "4biweekly1997@google.com") == [
        utc(2027, 1, 11, 14),
        utc(2027, 1, 13, 14),
        utc(2027, 1, 14, 14),
    ]
