"""The iCalendar reader: times, recurrences, patients, treatments and broken files."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from followup.calendar.events import AppointmentEvent, EventStatus, PatientRef, SourceRead
from followup.calendar.ics import read_ics
from followup.core.errors import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ics"
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WINDOW_START = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2027, 1, 1, tzinfo=UTC)
TREATMENTS = frozenset({"ketamine", "spravato"})

NEW_YORK_VTIMEZONE = """\
BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
"""


def fixed_zone(tzid: str, offset: str) -> str:
    return (
        f"BEGIN:VTIMEZONE\nTZID:{tzid}\nBEGIN:STANDARD\nTZOFFSETFROM:{offset}\n"
        f"TZOFFSETTO:{offset}\nDTSTART:19700101T000000\nEND:STANDARD\nEND:VTIMEZONE\n"
    )


def vevent(*lines: str, uid: str | None = "evt-1") -> str:
    uid_line = [f"UID:{uid}"] if uid is not None else []
    return "\n".join(["BEGIN:VEVENT", *uid_line, "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT"])


def ics(*events: str, timezones: str = "") -> bytes:
    body = "\n".join(events)
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//followup tests//EN\n{timezones}{body}\nEND:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


def read(
    data: bytes,
    *,
    clinic_tz: ZoneInfo = NEW_YORK,
    window_start: datetime = WINDOW_START,
    window_end: datetime = WINDOW_END,
) -> SourceRead:
    return read_ics(
        data,
        clinic_tz=clinic_tz,
        window_start=window_start,
        window_end=window_end,
        default_duration=timedelta(minutes=90),
        known_treatments=TREATMENTS,
    )


def only_event(result: SourceRead) -> AppointmentEvent:
    assert result.rejected == []
    assert len(result.events) == 1, result.events
    return result.events[0]


def reasons_of(result: SourceRead) -> list[tuple[str, str]]:
    return [(r.ref, r.reason) for r in result.rejected]


def by_uid(result: SourceRead) -> dict[str, AppointmentEvent]:
    return {event.uid: event for event in result.events}


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- times ---------------------------------------------------------------------------------


def test_tzid_with_vtimezone_is_converted_to_utc() -> None:
    data = ics(
        vevent(
            "DTSTART;TZID=America/New_York:20260302T090000",
            "DTEND;TZID=America/New_York:20260302T103000",
        ),
        timezones=NEW_YORK_VTIMEZONE,
    )
    event = only_event(read(data))
    assert (event.start, event.end) == (utc(2026, 3, 2, 14, 0), utc(2026, 3, 2, 15, 30))


def test_utc_time_is_kept_as_utc() -> None:
    event = only_event(read(ics(vevent("DTSTART:20260302T090000Z", "DTEND:20260302T100000Z"))))
    assert (event.start, event.end) == (utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 10, 0))
    assert event.start.tzinfo is UTC


def test_floating_time_means_clinic_time() -> None:
    data = ics(
        vevent("DTSTART:20260115T090000", "DTEND:20260115T100000", uid="winter"),
        vevent("DTSTART:20260715T090000", "DTEND:20260715T100000", uid="summer"),
    )
    events = by_uid(read(data, clinic_tz=LONDON))
    assert events["winter"].start == utc(2026, 1, 15, 9, 0)
    assert events["summer"].start == utc(2026, 7, 15, 8, 0)
    assert events["summer"].end == utc(2026, 7, 15, 9, 0)


def test_floating_recurring_occurrences_also_mean_clinic_time() -> None:
    data = ics(vevent("DTSTART:20260327T090000", "RRULE:FREQ=DAILY;COUNT=3", uid="daily"))
    starts = sorted(event.start for event in read(data, clinic_tz=LONDON).events)
    # London moves to BST on 29 March 2026.
    assert starts == [utc(2026, 3, 27, 9), utc(2026, 3, 28, 9), utc(2026, 3, 29, 8)]


def test_floating_time_is_placed_in_the_window_by_clinic_time() -> None:
    # 20:00 floating in New York is 01:00Z the next day: past a window ending at midnight UTC.
    data = ics(vevent("DTSTART:20260630T200000", "DTEND:20260630T210000"))
    result = read(data, window_end=utc(2026, 7, 1))
    assert result.events == []
    assert result.outside_window == 1


def test_windows_timezone_name_is_resolved() -> None:
    event = only_event(read(ics(vevent("DTSTART;TZID=Eastern Standard Time:20260302T090000"))))
    assert event.start == utc(2026, 3, 2, 14, 0)


def test_iana_tzid_without_vtimezone_is_resolved() -> None:
    event = only_event(read(ics(vevent("DTSTART;TZID=Europe/Berlin:20260302T090000"))))
    assert event.start == utc(2026, 3, 2, 8, 0)


def test_unknown_tzid_rejects_the_event_naming_the_tzid() -> None:
    result = read(ics(vevent("DTSTART;TZID=Mars/Olympus_Mons:20260302T090000", uid="mars")))
    assert result.events == []
    assert [(r.ref, r.reason) for r in result.rejected] == [
        ("mars", "unknown TZID 'Mars/Olympus_Mons'")
    ]


def test_custom_vtimezone_of_this_file_wins_over_one_read_earlier() -> None:
    # icalendar caches custom VTIMEZONEs per process; a second clinic must get its own.
    first = ics(
        vevent("DTSTART;TZID=Followup Clinic Local:20260302T090000"),
        timezones=fixed_zone("Followup Clinic Local", "-0500"),
    )
    second = ics(
        vevent("DTSTART;TZID=Followup Clinic Local:20260302T090000"),
        timezones=fixed_zone("Followup Clinic Local", "+0100"),
    )
    assert only_event(read(first)).start == utc(2026, 3, 2, 14, 0)
    assert only_event(read(second)).start == utc(2026, 3, 2, 8, 0)


def test_tzid_defined_only_by_a_file_read_earlier_is_unknown() -> None:
    defining = ics(
        vevent("DTSTART;TZID=Followup Other Local:20260302T090000"),
        timezones=fixed_zone("Followup Other Local", "+0300"),
    )
    relying = ics(vevent("DTSTART;TZID=Followup Other Local:20260302T090000", uid="relying"))
    assert only_event(read(defining)).start == utc(2026, 3, 2, 6, 0)
    result = read(relying)
    assert result.events == []
    assert [r.reason for r in result.rejected] == ["unknown TZID 'Followup Other Local'"]


def test_nine_am_new_york_is_1300z_after_spring_forward_and_1400z_before() -> None:
    # Clocks in New York jump forward on Sunday 8 March 2026.
    data = ics(
        vevent("DTSTART;TZID=America/New_York:20260307T090000", uid="before"),
        vevent("DTSTART;TZID=America/New_York:20260309T090000", uid="after"),
        timezones=NEW_YORK_VTIMEZONE,
    )
    events = by_uid(read(data))
    assert events["before"].start == utc(2026, 3, 7, 14, 0)
    assert events["after"].start == utc(2026, 3, 9, 13, 0)


def test_daily_series_across_spring_forward_keeps_nine_am_local() -> None:
    data = ics(
        vevent("DTSTART;TZID=America/New_York:20260307T090000", "RRULE:FREQ=DAILY;COUNT=3"),
        timezones=NEW_YORK_VTIMEZONE,
    )
    starts = sorted(event.start for event in read(data).events)
    assert starts == [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13), utc(2026, 3, 9, 13)]


# --- ends ----------------------------------------------------------------------------------


def test_duration_gives_the_end() -> None:
    event = only_event(read(ics(vevent("DTSTART:20260302T090000Z", "DURATION:PT45M"))))
    assert event.end == utc(2026, 3, 2, 9, 45)


def test_missing_end_uses_the_default_duration() -> None:
    event = only_event(read(ics(vevent("DTSTART:20260302T090000Z"))))
    assert event.end == utc(2026, 3, 2, 10, 30)


def test_end_equal_to_start_uses_the_default_duration() -> None:
    event = only_event(read(ics(vevent("DTSTART:20260302T090000Z", "DTEND:20260302T090000Z"))))
    assert event.end == utc(2026, 3, 2, 10, 30)


def test_end_before_start_is_rejected_not_swapped() -> None:
    result = read(ics(vevent("DTSTART:20260302T100000Z", "DTEND:20260302T090000Z")))
    assert result.events == []
    assert [(r.ref, r.reason) for r in result.rejected] == [("evt-1", "DTEND is before DTSTART")]


def test_negative_duration_is_rejected() -> None:
    result = read(ics(vevent("DTSTART:20260302T100000Z", "DURATION:-PT1H")))
    assert [r.reason for r in result.rejected] == ["DURATION is negative"]


# --- recurrences ---------------------------------------------------------------------------


@pytest.fixture
def weekly_series() -> SourceRead:
    return read((FIXTURES / "weekly_series_new_york.ics").read_bytes())


def test_weekly_series_yields_one_event_per_occurrence(weekly_series: SourceRead) -> None:
    assert weekly_series.rejected == []
    assert sorted(by_uid(weekly_series)) == [
        "series-1001@clinic.example/20260302T140000Z",
        "series-1001@clinic.example/20260309T130000Z",
        "series-1001@clinic.example/20260323T130000Z",
        "series-1001@clinic.example/20260330T130000Z",
        "series-1001@clinic.example/20260406T130000Z",
    ]


def test_excluded_occurrence_is_gone(weekly_series: SourceRead) -> None:
    days = {event.start.date() for event in weekly_series.events}
    assert utc(2026, 3, 16).date() not in days
    assert "series-1001@clinic.example/20260316T130000Z" not in by_uid(weekly_series)


def test_moved_occurrence_keeps_the_uid_of_its_original_time(weekly_series: SourceRead) -> None:
    moved = by_uid(weekly_series)["series-1001@clinic.example/20260309T130000Z"]
    assert (moved.start, moved.end) == (utc(2026, 3, 10, 15, 0), utc(2026, 3, 10, 16, 30))
    assert moved.status is EventStatus.BOOKED
    assert moved.sequence == 3


def test_cancelled_override_comes_out_cancelled_not_missing(weekly_series: SourceRead) -> None:
    cancelled = by_uid(weekly_series)["series-1001@clinic.example/20260323T130000Z"]
    assert cancelled.status is EventStatus.CANCELLED
    assert cancelled.start == utc(2026, 3, 23, 13, 0)
    others = [e for e in weekly_series.events if e is not cancelled]
    assert {e.status for e in others} == {EventStatus.BOOKED}


def test_occurrences_inherit_patient_and_treatment(weekly_series: SourceRead) -> None:
    first = by_uid(weekly_series)["series-1001@clinic.example/20260302T140000Z"]
    assert first.patient == PatientRef(patient_id="P-1001")
    assert first.treatment == "ketamine"
    # recurring_ical_events gives every occurrence the series' highest SEQUENCE (3, an override's).
    assert first.sequence == 3
    assert first.last_modified == utc(2026, 2, 1, 12, 0)


def test_override_without_its_master_is_still_an_occurrence() -> None:
    data = ics(vevent("RECURRENCE-ID:20260309T140000Z", "DTSTART:20260310T150000Z", uid="orphan"))
    assert only_event(read(data)).uid == "orphan/20260309T140000Z"


def test_bad_override_rejects_the_whole_series() -> None:
    # Dropping only the override would put the patient back at the old time.
    data = ics(
        vevent("DTSTART:20260302T140000Z", "RRULE:FREQ=WEEKLY;COUNT=3", uid="s"),
        vevent("RECURRENCE-ID:20260309T140000Z", "DTSTART;TZID=Nowhere:20260310T110000", uid="s"),
    )
    result = read(data)
    assert result.events == []
    assert [(r.ref, r.reason) for r in result.rejected] == [("s", "unknown TZID 'Nowhere'")]


# --- status, all-day, UID ------------------------------------------------------------------


def test_cancelled_event_comes_out_cancelled() -> None:
    event = only_event(read(ics(vevent("DTSTART:20260302T090000Z", "STATUS:CANCELLED"))))
    assert event.status is EventStatus.CANCELLED


def test_confirmed_and_tentative_events_are_booked() -> None:
    data = ics(
        vevent("DTSTART:20260302T090000Z", "STATUS:CONFIRMED", uid="a"),
        vevent("DTSTART:20260303T090000Z", "STATUS:TENTATIVE", uid="b"),
    )
    assert {e.status for e in read(data).events} == {EventStatus.BOOKED}


def test_all_day_event_is_rejected_as_not_an_infusion() -> None:
    result = read(ics(vevent("DTSTART;VALUE=DATE:20260302", "SUMMARY:Clinic closed", uid="closed")))
    assert result.events == []
    assert [(r.ref, r.reason) for r in result.rejected] == [
        ("closed", "not an infusion: all-day event")
    ]


def test_all_day_series_is_rejected_once() -> None:
    data = ics(vevent("DTSTART;VALUE=DATE:20260302", "RRULE:FREQ=WEEKLY;COUNT=10", uid="off"))
    assert [r.ref for r in read(data).rejected] == ["off"]


def test_date_start_with_a_date_time_end_is_all_day_not_a_weeks_long_infusion() -> None:
    """RFC 5545: a DATE DTSTART makes the event all-day whatever its DTEND says (ical.js agrees)."""
    data = ics(vevent("DTSTART;VALUE=DATE:20260302", "DTEND:20260325T000000Z", uid="retreat"))
    result = read(data)
    assert result.events == []
    assert reasons_of(result) == [("retreat", "not an infusion: all-day event")]


def test_event_without_uid_is_rejected_with_its_start_and_summary() -> None:
    data = ics(
        vevent(
            "DTSTART:20260302T090000Z", "SUMMARY:Infusion for a patient with a long name", uid=None
        )
    )
    result = read(data)
    assert result.events == []
    assert [(r.ref, r.reason) for r in result.rejected] == [
        ("(no UID) 2026-03-02T09:00:00+00:00 Infusion for a patient with a", "event has no UID")
    ]


def test_event_without_dtstart_is_rejected() -> None:
    result = read(ics(vevent("SUMMARY:Infusion", uid="nostart")))
    assert [(r.ref, r.reason) for r in result.rejected] == [("nostart", "event has no DTSTART")]


def test_unreadable_dtstart_is_rejected_with_the_parser_reason() -> None:
    result = read(ics(vevent("DTSTART:tomorrow-ish", uid="vague")))
    assert [r.ref for r in result.rejected] == ["vague"]
    assert result.rejected[0].reason.startswith("DTSTART could not be read")


def test_one_broken_series_does_not_stop_the_others() -> None:
    # recurring_ical_events raises on an RSCALE rule without UNTIL: only that series goes.
    data = ics(
        vevent("DTSTART:20260302T090000Z", "RRULE:RSCALE=HEBREW;FREQ=YEARLY", uid="lunar"),
        vevent("DTSTART:20260303T090000Z", uid="fine"),
    )
    result = read(data)
    assert [e.uid for e in result.events] == ["fine"]
    assert [r.ref for r in result.rejected] == ["lunar"]
    assert result.rejected[0].reason.startswith("could not read event: ")
    assert "\n" not in result.rejected[0].reason


# --- patient and treatment -----------------------------------------------------------------


def test_patient_id_is_taken_from_x_patient_id_without_whitespace() -> None:
    event = only_event(read(ics(vevent("DTSTART:20260302T090000Z", "X-PATIENT-ID:  P-42  "))))
    assert event.patient == PatientRef(patient_id="P-42")


def test_attendee_mailto_is_lower_cased_whatever_the_scheme_case() -> None:
    data = ics(
        vevent(
            "DTSTART:20260302T090000Z",
            "ATTENDEE;CN=Pat:MAILTO:Pat.Smith@Example.COM",
            "ATTENDEE:mailto:second@example.com",
        )
    )
    event = only_event(read(data))
    assert event.patient.emails == ("pat.smith@example.com", "second@example.com")
    assert event.patient.patient_id is None


def test_attendee_tel_is_kept_as_written() -> None:
    data = ics(vevent("DTSTART:20260302T090000Z", "ATTENDEE:tel:+1 (555) 010-0199"))
    assert only_event(read(data)).patient.phones == ("+1 (555) 010-0199",)


def test_patient_id_and_attendees_are_all_kept() -> None:
    data = ics(
        vevent(
            "DTSTART:20260302T090000Z",
            "X-PATIENT-ID:P-7",
            "ATTENDEE:MAILTO:p7@example.com",
            "ATTENDEE:TEL:+15550100",
        )
    )
    assert only_event(read(data)).patient == PatientRef("P-7", ("p7@example.com",), ("+15550100",))


def test_event_without_patient_reference_is_still_yielded() -> None:
    event = only_event(read(ics(vevent("DTSTART:20260302T090000Z"))))
    assert not event.patient


def test_x_treatment_wins_over_categories() -> None:
    data = ics(vevent("DTSTART:20260302T090000Z", "X-TREATMENT:Booster", "CATEGORIES:Ketamine"))
    assert only_event(read(data)).treatment == "booster"


def test_first_known_category_is_the_treatment() -> None:
    data = ics(
        vevent("DTSTART:20260302T090000Z", "CATEGORIES:Clinic,SPRAVATO", "CATEGORIES:Ketamine")
    )
    assert only_event(read(data)).treatment == "spravato"


def test_no_known_category_means_no_treatment() -> None:
    data = ics(vevent("DTSTART:20260302T090000Z", "CATEGORIES:Clinic,Follow-up"))
    assert only_event(read(data)).treatment is None


def test_sequence_and_last_modified_are_copied() -> None:
    data = ics(vevent("DTSTART:20260302T090000Z", "SEQUENCE:4", "LAST-MODIFIED:20260220T081500Z"))
    event = only_event(read(data))
    assert (event.sequence, event.last_modified) == (4, utc(2026, 2, 20, 8, 15))


def test_sequence_defaults_to_zero_and_last_modified_to_none() -> None:
    event = only_event(read(ics(vevent("DTSTART:20260302T090000Z"))))
    assert (event.sequence, event.last_modified) == (0, None)


def test_unreadable_sequence_is_rejected() -> None:
    result = read(ics(vevent("DTSTART:20260302T090000Z", "SEQUENCE:two")))
    assert [r.reason.split(":")[0] for r in result.rejected] == ["SEQUENCE could not be read"]


# --- window and file shape -----------------------------------------------------------------


def test_events_outside_the_window_are_counted_not_returned() -> None:
    data = ics(
        vevent("DTSTART:20250302T090000Z", uid="last-year"),
        vevent("DTSTART:20280302T090000Z", uid="later"),
        vevent("DTSTART:20250101T090000Z", "RRULE:FREQ=WEEKLY;COUNT=4", uid="old-series"),
        vevent("DTSTART:20261215T090000Z", "RRULE:FREQ=WEEKLY;COUNT=8", uid="straddling"),
        vevent("DTSTART:20260302T090000Z", uid="inside"),
    )
    result = read(data)
    assert result.outside_window == 3
    assert sorted(e.uid for e in result.events) == [
        "inside",
        "straddling/20261215T090000Z",
        "straddling/20261222T090000Z",
        "straddling/20261229T090000Z",
    ]


def test_several_vcalendars_in_one_file_are_all_read() -> None:
    result = read((FIXTURES / "two_calendars.ics").read_bytes())
    assert sorted(e.uid for e in result.events) == ["first-calendar-event", "second-calendar-event"]


def test_only_vevents_are_read() -> None:
    data = ics(
        vevent("DTSTART:20260302T090000Z"),
        "BEGIN:VTODO\nUID:todo-1\nDTSTAMP:20260101T000000Z\nDUE:20260303T090000Z\nEND:VTODO",
    )
    assert [e.uid for e in read(data).events] == ["evt-1"]


def test_byte_order_mark_is_tolerated() -> None:
    data = b"\xef\xbb\xbf" + ics(vevent("DTSTART:20260302T090000Z"))
    assert only_event(read(data)).uid == "evt-1"


TRUNCATED = ics(vevent("DTSTART:20260302T090000Z"), vevent("DTSTART:20260303T090000Z"))[:-60]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"  \r\n\r\n", id="blank"),
        pytest.param(random.Random(7).randbytes(4096), id="random-bytes"),
        pytest.param(b"<!DOCTYPE html>\n<html><body>Login</body></html>\n", id="html"),
        pytest.param(TRUNCATED, id="truncated"),
        pytest.param(b"appointment_id,patient_id,start\nA1,P1,2026-03-02T09:00\n", id="csv"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), id="binary"),
        pytest.param(vevent("DTSTART:20260302T090000Z").encode(), id="bare-vevent"),
        pytest.param(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", id="mismatched"),
        pytest.param(b"BEGIN:VCALENDAR\r\nCALSCALE:CHINESE\r\nEND:VCALENDAR\r\n", id="calscale"),
    ],
)
def test_unreadable_file_raises_source_error_with_one_line(data: bytes) -> None:
    with pytest.raises(SourceError) as raised:
        read(data)
    message = str(raised.value)
    assert message
    assert "\n" not in message and "\r" not in message
    assert len(message) < 200


def test_truncated_file_says_which_component_is_not_closed() -> None:
    with pytest.raises(SourceError, match=r"^not an iCalendar file: truncated, BEGIN:VEVENT"):
        read(TRUNCATED)


def test_empty_file_says_there_is_no_calendar() -> None:
    with pytest.raises(SourceError, match=r"^not an iCalendar file: no BEGIN:VCALENDAR found$"):
        read(b"")


def test_unparseable_line_is_named_by_number_without_echoing_it() -> None:
    # The parser's own message quotes the line, which could be a patient's notes.
    data = ics(vevent("DTSTART:20260302T090000Z")).replace(
        b"VERSION:2.0\r\n", b"VERSION:2.0\r\nfeeling low since Tuesday\r\n"
    )
    with pytest.raises(SourceError) as raised:
        read(data)
    assert str(raised.value) == "not an iCalendar file: line 3 is not an iCalendar content line"


def test_event_with_an_unparseable_line_is_rejected_without_echoing_it() -> None:
    # The lost line might have been a STATUS:CANCELLED or a TZID: the event cannot be trusted.
    data = ics(vevent("DTSTART:20260302T090000Z", "SUMMARY:Infusion", uid="lossy")).replace(
        b"SUMMARY:Infusion\r\n", b"SUMMARY:Infusion\r\nfeeling low since Tuesday\r\n"
    )
    result = read(data)
    assert result.events == []
    assert reasons_of(result) == [("lossy", "event has a line that could not be parsed")]


def test_every_truncation_of_a_real_file_is_a_source_error() -> None:
    # The parser alone returns an empty or partial calendar for most of these prefixes.
    data = (FIXTURES / "weekly_series_new_york.ics").read_bytes()
    last_line = data.rstrip().rindex(b"\n") + 1  # where END:VCALENDAR begins
    cuts = [i for i in range(1, last_line + 1) if data[i - 1 : i] == b"\n"]
    assert len(cuts) > 50
    for cut in cuts:
        with pytest.raises(SourceError, match=r"^not an iCalendar file: "):
            read(data[:cut])


def test_rejections_carry_the_uid_so_sync_does_not_take_them_for_deleted() -> None:
    data = ics(
        vevent("DTSTART;TZID=Nowhere:20260302T090000", uid="single"),
        vevent("DTSTART:20260302T140000Z", "RRULE:FREQ=WEEKLY;COUNT=3", uid="series"),
        vevent(
            "RECURRENCE-ID:20260309T140000Z", "DTSTART;TZID=Nowhere:20260310T110000", uid="series"
        ),
        vevent("DTSTART:20260302T090000Z", uid=None),
    )
    assert sorted((r.ref, r.uid) for r in read(data).rejected) == [
        ("(no UID) 2026-03-02T09:00:00+00:00", None),
        ("series", "series"),
        ("single", "single"),
    ]


def test_windows_zone_name_is_not_decided_by_another_files_vtimezone() -> None:
    # Another calendar, read earlier in the same process, defines its own zone under the
    # Windows name; a file that relies on the name alone must still get New York.
    read(
        ics(
            vevent("DTSTART;TZID=Eastern Standard Time:20260302T090000", uid="other"),
            timezones=fixed_zone("Eastern Standard Time", "+0300"),
        )
    )
    event = only_event(read(ics(vevent("DTSTART;TZID=Eastern Standard Time:20260302T090000"))))
    assert event.start == utc(2026, 3, 2, 14, 0)
