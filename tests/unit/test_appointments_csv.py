"""The appointments CSV reader: header, times, statuses, rejected rows and broken files."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from followup.calendar.appointments_csv import read_appointments_csv
from followup.calendar.events import AppointmentEvent, EventStatus, PatientRef, SourceRead
from followup.core.errors import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "csv"
NEW_YORK = ZoneInfo("America/New_York")
WINDOW_START = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2027, 1, 1, tzinfo=UTC)
HEADER = "appointment_id,patient_id,start,end,treatment,status"


def read(
    text: str,
    *,
    clinic_tz: ZoneInfo = NEW_YORK,
    window_start: datetime = WINDOW_START,
    window_end: datetime = WINDOW_END,
) -> SourceRead:
    return read_appointments_csv(
        text,
        clinic_tz=clinic_tz,
        window_start=window_start,
        window_end=window_end,
        default_duration=timedelta(minutes=90),
    )


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def only_event(result: SourceRead) -> AppointmentEvent:
    assert result.rejected == []
    assert len(result.events) == 1, result.events
    return result.events[0]


def reasons(result: SourceRead) -> list[tuple[str, str]]:
    return [(r.ref, r.reason) for r in result.rejected]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- a realistic export --------------------------------------------------------------------


@pytest.fixture
def export() -> SourceRead:
    return read((FIXTURES / "clinic_export.csv").read_text(encoding="utf-8"))


def test_clinic_export_reads_every_good_row(export: SourceRead) -> None:
    assert [e.uid for e in export.events] == ["A-100", "A-101", "A-102", "A-103"]


def test_clinic_export_rows_become_utc_events(export: SourceRead) -> None:
    first = export.events[0]
    assert first == AppointmentEvent(
        uid="A-100",
        start=utc(2026, 3, 9, 13, 0),
        end=utc(2026, 3, 9, 14, 30),
        patient=PatientRef(patient_id="P-1"),
        status=EventStatus.BOOKED,
        treatment="ketamine",
    )


def test_clinic_export_rejects_the_bad_row_by_id_and_physical_line(export: SourceRead) -> None:
    # The blank line 4 and the quoted field spanning lines 6-7 still count as lines.
    assert reasons(export) == [
        ("A-104 (line 8)", "start '2026-13-01T09:00' is not an ISO date-time")
    ]


def test_clinic_export_reads_status_and_treatment(export: SourceRead) -> None:
    events = {e.uid: e for e in export.events}
    assert (events["A-101"].status, events["A-101"].treatment) == (EventStatus.BOOKED, "spravato")
    assert (events["A-102"].status, events["A-102"].treatment) == (EventStatus.CANCELLED, None)
    assert events["A-103"].status is EventStatus.NO_SHOW


# --- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-03-10T09:00", utc(2026, 3, 10, 13, 0)),
        ("2026-03-10 09:00", utc(2026, 3, 10, 13, 0)),
        ("2026-03-10T09:00:00Z", utc(2026, 3, 10, 9, 0)),
        ("2026-03-10 09:00Z", utc(2026, 3, 10, 9, 0)),
        ("2026-03-10T09:00+01:00", utc(2026, 3, 10, 8, 0)),
        ("2026-03-10T09:00:00-04:00", utc(2026, 3, 10, 13, 0)),
    ],
)
def test_iso_start_with_or_without_offset_is_read(start: str, expected: datetime) -> None:
    assert only_event(read(csv_text(f"A1,P1,{start},,,"))).start == expected


def test_time_without_offset_means_clinic_time() -> None:
    london = only_event(
        read(csv_text("A1,P1,2026-07-01T09:00,,,"), clinic_tz=ZoneInfo("Europe/London"))
    )
    assert london.start == utc(2026, 7, 1, 8, 0)


def test_nine_am_new_york_is_1300z_after_spring_forward_and_1400z_before() -> None:
    result = read(csv_text("before,P1,2026-03-07T09:00,,,", "after,P1,2026-03-09T09:00,,,"))
    starts = {e.uid: e.start for e in result.events}
    assert starts == {"before": utc(2026, 3, 7, 14, 0), "after": utc(2026, 3, 9, 13, 0)}


def test_wall_clock_time_skipped_by_dst_is_rejected() -> None:
    result = read(csv_text("A1,P1,2026-03-08T02:30,,,"))
    assert reasons(result) == [
        ("A1 (line 2)", "start '2026-03-08T02:30' does not exist in America/New_York (DST change)")
    ]


def test_empty_end_uses_the_default_duration() -> None:
    assert only_event(read(csv_text("A1,P1,2026-03-10T09:00Z,,,"))).end == utc(2026, 3, 10, 10, 30)


def test_end_is_read_like_start() -> None:
    event = only_event(read(csv_text("A1,P1,2026-03-10T09:00,2026-03-10 10:15,,")))
    assert event.end == utc(2026, 3, 10, 14, 15)


def test_end_before_start_is_rejected() -> None:
    result = read(csv_text("A1,P1,2026-03-10T09:00,2026-03-10T08:00,,"))
    assert reasons(result) == [("A1 (line 2)", "end is before start")]


def test_bad_end_is_rejected() -> None:
    result = read(csv_text("A1,P1,2026-03-10T09:00,half past ten,,"))
    assert reasons(result) == [("A1 (line 2)", "end 'half past ten' is not an ISO date-time")]


def test_date_without_time_is_rejected() -> None:
    result = read(csv_text("A1,P1,2026-03-10,,,"))
    assert reasons(result) == [("A1 (line 2)", "start '2026-03-10' has no time of day")]


def test_missing_start_is_rejected() -> None:
    assert reasons(read(csv_text("A1,P1,,,,"))) == [("A1 (line 2)", "missing start")]


# --- status, treatment, ids ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("", EventStatus.BOOKED),
        ("booked", EventStatus.BOOKED),
        ("BOOKED", EventStatus.BOOKED),
        ("cancelled", EventStatus.CANCELLED),
        ("Canceled", EventStatus.CANCELLED),
        ("completed", EventStatus.COMPLETED),
        ("no-show", EventStatus.NO_SHOW),
        ("No_Show", EventStatus.NO_SHOW),
        ("noshow", EventStatus.NO_SHOW),
    ],
)
def test_status_spellings_are_understood(status: str, expected: EventStatus) -> None:
    assert only_event(read(csv_text(f"A1,P1,2026-03-10T09:00,,,{status}"))).status is expected


def test_unknown_status_is_rejected() -> None:
    result = read(csv_text("A1,P1,2026-03-10T09:00,,,maybe"))
    assert reasons(result) == [("A1 (line 2)", "unknown status 'maybe'")]


def test_treatment_is_lower_cased_and_empty_means_none() -> None:
    result = read(csv_text("A1,P1,2026-03-10T09:00,,  Ketamine ,", "A2,P1,2026-03-11T09:00,,,"))
    assert [e.treatment for e in result.events] == ["ketamine", None]


def test_missing_appointment_id_is_rejected_by_line() -> None:
    assert reasons(read(csv_text(",P1,2026-03-10T09:00,,,"))) == [
        ("line 2", "missing appointment_id")
    ]


def test_missing_patient_id_is_rejected() -> None:
    assert reasons(read(csv_text("A1, ,2026-03-10T09:00,,,"))) == [
        ("A1 (line 2)", "missing patient_id")
    ]


def test_duplicate_appointment_id_rejects_the_later_row() -> None:
    result = read(
        csv_text(
            "A1,P1,2026-03-10T09:00,,,", "A2,P2,2026-03-10T11:00,,,", "A1,P3,2026-03-11T09:00,,,"
        )
    )
    assert [(e.uid, e.patient.patient_id) for e in result.events] == [("A1", "P1"), ("A2", "P2")]
    assert reasons(result) == [("A1 (line 4)", "duplicate appointment_id, first on line 2")]


def test_short_row_reads_missing_cells_as_empty() -> None:
    event = only_event(read(csv_text("A1,P1,2026-03-10T09:00Z")))
    assert (event.end, event.status, event.treatment) == (
        utc(2026, 3, 10, 10, 30),
        EventStatus.BOOKED,
        None,
    )


def test_one_bad_row_does_not_stop_the_others() -> None:
    result = read(csv_text("A1,P1,soon,,,", "A2,P2,2026-03-10T09:00,,,"))
    assert [e.uid for e in result.events] == ["A2"]
    assert [r.ref for r in result.rejected] == ["A1 (line 2)"]


# --- header and window ---------------------------------------------------------------------


def test_header_is_case_insensitive_order_free_and_extra_columns_are_ignored() -> None:
    text = "\ufeff Status ,Room,END,Start,PATIENT_ID,Treatment,Appointment_Id\n,4,,2026-03-10T09:00,P1,,A1\n"
    event = only_event(read(text))
    assert (event.uid, event.patient.patient_id, event.start) == ("A1", "P1", utc(2026, 3, 10, 13))


def test_rows_outside_the_window_are_counted_not_returned() -> None:
    result = read(
        csv_text(
            "old,P1,2025-12-31T09:00,,,", "new,P1,2026-03-10T09:00,,,", "far,P1,2027-06-01T09:00,,,"
        )
    )
    assert [e.uid for e in result.events] == ["new"]
    assert result.outside_window == 2


def test_appointment_overlapping_the_window_start_is_inside() -> None:
    result = read(
        csv_text("A1,P1,2026-03-09T23:30Z,2026-03-10T00:30Z,,"), window_start=utc(2026, 3, 10)
    )
    assert [e.uid for e in result.events] == ["A1"]


def test_missing_columns_are_named() -> None:
    with pytest.raises(SourceError, match=r"^missing columns: start, end$"):
        read("appointment_id,patient_id,treatment,status\nA1,P1,,\n")


def test_duplicate_column_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"^duplicate columns: start$"):
        read(HEADER + ",Start\n")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param(" \r\n\r\n", id="blank"),
        pytest.param("\ufeff", id="bom-only"),
        pytest.param("<!DOCTYPE html>\n<html><body>Login</body></html>\n", id="html"),
        pytest.param("id;patient;start\n1;2;3\n", id="wrong-header"),
        pytest.param("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", id="ics"),
        pytest.param(random.Random(3).randbytes(4096).decode("latin-1"), id="binary"),
        pytest.param(HEADER.replace(",", ",\x00"), id="nul-bytes"),
        pytest.param('"' + "x" * 200_000, id="field-too-large"),
    ],
)
def test_unreadable_file_raises_source_error_with_one_line(text: str) -> None:
    with pytest.raises(SourceError) as raised:
        read(text)
    message = str(raised.value)
    assert message
    assert "\n" not in message and "\r" not in message
    assert len(message) < 200


def test_rejections_carry_the_appointment_id_so_sync_does_not_take_them_for_deleted() -> None:
    result = read(csv_text("A1,P1,soon,,,", ",P2,2026-03-10T09:00,,,"))
    assert [(r.ref, r.uid) for r in result.rejected] == [("A1 (line 2)", "A1"), ("line 3", None)]
