"""FHIR Patients and Appointments as roster rows and events: the mapping, without a server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.patient import Patient

from followup.calendar.events import EventStatus
from followup.calendar.feeds import Fetched
from followup.calendar.fhir_client import FhirError, read_page
from followup.calendar.fhir_mapping import (
    MappingOptions,
    parse_resources,
    patient_problems,
    patient_row,
    read_appointments,
)

OPTIONS = MappingOptions(
    window_start=datetime(2027, 1, 1, tzinfo=UTC),
    window_end=datetime(2027, 3, 1, tzinfo=UTC),
    default_duration=timedelta(minutes=90),
    known_treatments=frozenset({"depression", "pain"}),
)
CONSENT = "https://clinic.example.org/fhir/StructureDefinition/messaging-consent"


def appointment(**fields: Any) -> Appointment:
    resource = {
        "resourceType": "Appointment",
        "id": "a1",
        "status": "booked",
        "start": "2027-01-12T09:00:00-06:00",
        "end": "2027-01-12T10:30:00-06:00",
        "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}],
    }
    resource.update(fields)
    return Appointment.model_validate({k: v for k, v in resource.items() if v is not None})


def patient(**fields: Any) -> Patient:
    return Patient.model_validate({"resourceType": "Patient", "id": "p1", **fields})


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("booked", EventStatus.BOOKED),
        ("arrived", EventStatus.BOOKED),
        ("checked-in", EventStatus.BOOKED),
        ("fulfilled", EventStatus.COMPLETED),
        ("cancelled", EventStatus.CANCELLED),
        ("noshow", EventStatus.NO_SHOW),
    ],
)
def test_each_appointment_status_becomes_its_event_status(
    status: str, expected: EventStatus
) -> None:
    read = read_appointments([appointment(status=status)], OPTIONS)
    assert [e.status for e in read.events] == [expected]


@pytest.mark.parametrize("status", ["proposed", "pending", "waitlist", "entered-in-error"])
def test_appointments_not_booked_only_stop_ones_already_held(status: str) -> None:
    read = read_appointments([appointment(status=status)], OPTIONS)
    assert read.events == []
    assert [(e.uid, e.status) for e in read.beyond_window] == [("a1", EventStatus.CANCELLED)]


def test_an_unknown_status_is_rejected_by_id_so_it_is_not_taken_for_deleted() -> None:
    read = read_appointments([appointment(status="tentative")], OPTIONS)
    assert [(r.uid, r.reason) for r in read.rejected] == [("a1", "unknown status 'tentative'")]


def test_times_with_offsets_become_utc() -> None:
    (event,) = read_appointments([appointment()], OPTIONS).events
    assert event.start == datetime(2027, 1, 12, 15, 0, tzinfo=UTC)
    assert event.end == datetime(2027, 1, 12, 16, 30, tzinfo=UTC)


def test_minutes_duration_stands_in_for_a_missing_end() -> None:
    (event,) = read_appointments([appointment(end=None, minutesDuration=45)], OPTIONS).events
    assert event.end - event.start == timedelta(minutes=45)


def test_an_appointment_without_end_or_duration_lasts_the_default() -> None:
    (event,) = read_appointments([appointment(end=None)], OPTIONS).events
    assert event.end - event.start == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"start": None, "end": None, "status": "cancelled"}, "appointment has no start"),
        ({"end": "2027-01-12T08:00:00-06:00"}, "end is before start"),
        (
            {"participant": [{"actor": {"reference": "Location/l1"}, "status": "accepted"}]},
            "names no patient",
        ),
        (
            {
                "participant": [
                    {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
                    {"actor": {"reference": "Patient/p2"}, "status": "accepted"},
                ]
            },
            "names 2 patients, not one",
        ),
    ],
)
def test_unusable_appointments_are_rejected_with_their_id(
    fields: dict[str, Any], reason: str
) -> None:
    read = read_appointments([appointment(**fields)], OPTIONS)
    assert [(r.ref, r.uid, r.reason) for r in read.rejected] == [("Appointment/a1", "a1", reason)]


def test_the_patient_is_the_participant_whatever_the_form_of_its_reference() -> None:
    participants = [
        {"actor": {"reference": "https://ehr.example.org/fhir/Patient/p9"}, "status": "accepted"},
        {"actor": {"reference": "Patient/p2"}, "status": "declined"},
        {
            "actor": {"reference": "Location/l1", "display": "Downtown  Infusion Suite"},
            "status": "accepted",
        },
    ]
    (event,) = read_appointments([appointment(participant=participants)], OPTIONS).events
    assert event.patient.patient_id == "p9"
    assert event.location == "Downtown Infusion Suite"


def test_service_type_or_appointment_type_names_the_treatment() -> None:
    by_code = appointment(serviceType=[{"coding": [{"system": "x", "code": "PAIN"}]}])
    by_text = appointment(appointmentType={"text": "Depression"})
    unknown = appointment(serviceType=[{"text": "Ketamine infusion"}])
    events = (
        read_appointments([by_code], OPTIONS).events + read_appointments([by_text], OPTIONS).events
    )
    assert [e.treatment for e in events] == ["pain", "depression"]
    # Unknown: the default treatment, as an ICS event without X-TREATMENT.
    assert read_appointments([unknown], OPTIONS).events[0].treatment is None


def test_an_appointment_outside_the_window_is_applied_only_to_one_already_held() -> None:
    read = read_appointments([appointment(start="2027-06-01T09:00:00Z", end=None)], OPTIONS)
    assert (read.events, read.outside_window, len(read.beyond_window)) == ([], 1, 1)


def test_the_texting_number_is_an_sms_point_first_then_by_rank() -> None:
    telecom = [
        {"system": "phone", "value": "(402) 555-0101", "use": "home", "rank": 1},
        {"system": "phone", "value": "402-555-0102", "use": "mobile", "rank": 3},
        {"system": "sms", "value": "402 555 0103", "rank": 2},
        {"system": "sms", "value": "402 555 0104", "use": "old", "rank": 1},
        {"system": "email", "value": "Ana@Example.org", "rank": 2},
        {"system": "email", "value": "old@example.org", "period": {"end": "2020-01-01"}},
        {"system": "email", "value": "first@example.org", "rank": 1},
    ]
    row = patient_row(patient(telecom=telecom), "US", None)
    assert (row.phone, row.email) == ("+14025550103", "first@example.org")


def test_a_mobile_phone_is_texted_before_a_higher_ranked_home_phone() -> None:
    telecom = [
        {"system": "phone", "value": "402-555-0101", "use": "home", "rank": 1},
        {"system": "phone", "value": "402-555-0102", "use": "mobile", "rank": 2},
    ]
    assert patient_row(patient(telecom=telecom), "US", None).phone == "+14025550102"


def test_a_number_that_is_not_a_phone_is_left_out_and_named() -> None:
    p = patient(
        telecom=[
            {"system": "sms", "value": "call me"},
            {"system": "phone", "value": "402-555-0102"},
        ]
    )
    assert patient_row(p, "US", None).phone == "+14025550102"
    (problem,) = patient_problems(p, "US")
    assert problem.ref == "Patient/p1" and problem.reason.startswith("telecom sms left out")


def test_the_preferred_language_gives_its_primary_subtag() -> None:
    communication = [
        {"language": {"coding": [{"code": "en-US"}]}},
        {
            "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es-MX"}]},
            "preferred": True,
        },
    ]
    assert patient_row(patient(communication=communication), "US", None).language == "es"
    assert patient_row(patient(), "US", None).language == "en"


def test_the_chosen_name_comes_before_the_official_one() -> None:
    names = [
        {"use": "official", "given": ["Robert", "James"], "family": "Lee"},
        {"use": "usual", "given": ["Jamie"], "family": "Lee"},
        {"use": "old", "given": ["Bobby"], "family": "Smith"},
    ]
    row = patient_row(patient(name=names), "US", None)
    assert (row.first_name, row.last_name) == ("Jamie", "Lee")


def test_consent_comes_from_the_configured_extension() -> None:
    both = patient(extension=[{"url": CONSENT, "valueBoolean": True}])
    sms_only = patient(
        extension=[
            {
                "url": CONSENT,
                "extension": [
                    {"url": "sms", "valueBoolean": True},
                    {"url": "email", "valueBoolean": False},
                ],
            }
        ]
    )
    for p, expected in ((both, (True, True)), (sms_only, (True, False))):
        row = patient_row(p, "US", CONSENT)
        assert (row.sms_consent, row.email_consent) == expected
        assert "sms_consent" not in row.unstated


def test_without_the_extension_the_roster_consent_stands() -> None:
    row = patient_row(patient(extension=[{"url": CONSENT, "valueBoolean": True}]), "US", None)
    assert (row.sms_consent, row.email_consent) == (False, False)
    assert {"sms_consent", "email_consent", "timezone"} <= row.unstated


def test_a_patient_who_has_died_is_never_consented() -> None:
    p = patient(deceasedDateTime="2026-11-30", extension=[{"url": CONSENT, "valueBoolean": True}])
    row = patient_row(p, "US", CONSENT)
    assert (row.sms_consent, row.email_consent, "sms_consent" in row.unstated) == (
        False,
        False,
        False,
    )


def test_an_invalid_appointment_is_rejected_by_id_and_the_rest_are_read() -> None:
    found = parse_resources(
        [
            {"resourceType": "Appointment", "id": "bad", "status": "booked", "participant": "x"},
            {"resourceType": "Patient", "id": "p1"},
            {"resourceType": "Practitioner", "id": "d1"},
        ]
    )
    assert list(found.patients) == ["p1"]
    assert [(r.uid, r.ref) for r in found.rejected] == [("bad", "Appointment/bad")]


def page(status: int, body: Any) -> Fetched:
    return Fetched(status, json.dumps(body).encode(), None, None)


def test_a_page_says_its_resources_and_its_next_link() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "next", "url": "https://ehr.example.org/Appointment?_offset=2"}],
        "entry": [
            {"resource": {"resourceType": "Appointment", "id": "a1"}},
            {
                "resource": {
                    "resourceType": "OperationOutcome",
                    "issue": [{"severity": "warning", "code": "informational"}],
                },
                "search": {"mode": "outcome"},
            },
        ],
    }
    read = read_page(page(200, bundle), "Appointment")
    assert [r["id"] for r in read.resources] == ["a1"]
    assert read.next_url == "https://ehr.example.org/Appointment?_offset=2"


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            401,
            {
                "resourceType": "OperationOutcome",
                "issue": [
                    {"severity": "error", "code": "login", "details": {"text": "Unauthorized"}}
                ],
            },
            "Appointment search: HTTP 401 (login: Unauthorized)",
        ),
        (502, None, "Appointment search: HTTP 502"),
        (
            200,
            {"resourceType": "Patient"},
            "Appointment search: the answer is Patient, not a Bundle",
        ),
        (200, ["not", "fhir"], "Appointment search: the answer is not FHIR JSON, not a Bundle"),
        (
            200,
            {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "OperationOutcome",
                            "issue": [
                                {
                                    "severity": "error",
                                    "code": "too-costly",
                                    "diagnostics": "too\nmany",
                                }
                            ],
                        }
                    }
                ],
            },
            "Appointment search: the server reported a problem (too-costly: too many)",
        ),
    ],
)
def test_a_bad_page_fails_the_search_in_one_line(status: int, body: Any, message: str) -> None:
    with pytest.raises(FhirError) as raised:
        read_page(page(status, body), "Appointment")
    assert str(raised.value) == message
