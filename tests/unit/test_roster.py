from __future__ import annotations

import pytest

from followup.calendar.roster import read_roster
from followup.core.errors import SourceError

HEADER = "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"


def test_empty_cells_are_allowed() -> None:
    rows, rejected = read_roster(HEADER + "P1,Ana,,,,,,,\n", "US")
    assert rejected == []
    assert (rows[0].phone, rows[0].email, rows[0].language, rows[0].sms_consent) == (
        None,
        None,
        "en",
        False,
    )


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("(402) 555-0134", "+14025550134"),
        ("402.555.0134", "+14025550134"),
        ("+1 402 555 0134", "+14025550134"),
        ("tel:+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phones_in_common_formats(phone: str, e164: str) -> None:
    rows, _ = read_roster(HEADER + f'P1,Ana,R,"{phone}",,en,,yes,no\n', "US")
    assert rows[0].phone == e164


def test_bad_rows_are_named_by_line_and_others_kept() -> None:
    text = (
        HEADER
        + "P1,Ana,R,,ana@x.org,en,,yes,no\nP2,Bo,L,,not-an-email,en,,yes,no\nP3,Cy,M,,,en,Mars/Base,yes,no\nP1,Dup,D,,,en,,no,no\nP4,Di,N,,,en,,maybe,no\n"
    )
    rows, rejected = read_roster(text, "US")
    assert [r.patient_id for r in rows] == ["P1"]
    assert [(r.ref, r.reason) for r in rejected] == [
        ("line 3 (P2)", "email 'not-an-email' is not an email address"),
        ("line 4 (P3)", "'Mars/Base' is not an IANA time zone such as 'America/New_York'"),
        ("line 5 (P1)", "duplicate patient_id, first on line 2"),
        ("line 6 (P4)", "sms_consent 'maybe' is not yes/no"),
    ]


def test_language_tags_keep_the_primary_language() -> None:
    rows, _ = read_roster(HEADER + "P1,Ana,R,,,es-US,,,\n", "US")
    assert rows[0].language == "es"


def test_a_file_that_is_not_a_roster_is_refused_in_one_line() -> None:
    with pytest.raises(SourceError, match="not a roster CSV"):
        read_roster("BEGIN:VCALENDAR\nEND:VCALENDAR\n", "US")
    with pytest.raises(SourceError, match="missing columns: patient_id"):
        read_roster("first_name,phone\nAna,1\n", "US")
