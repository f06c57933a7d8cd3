"""A staff member of one location can read or change nothing of another's: every route of
the staff pages and the API, walked from the app with the other location's ids, answers
as for a record that does not exist (404, never 403), and no list shows it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.calendar.importing import ImportWindow, import_files
from followup.db.models import (
    Alert,
    Appointment,
    Conversation,
    InboundMessage,
    InstrumentResponse,
    Patient,
    ScheduledMessage,
)
from followup.messages.render import Renderer
from followup.protocol import Protocol, parse_protocol
from followup.replies.handle import Inbound, handle
from followup.staff import add_staff
from followup.staff.tokens import create_token
from tests.conftest import ROOT
from tests.integration.test_network import NETWORK, network_protocol_text
from tests.integration.test_staff_web import PASSWORD, Browser, Site, serve, staff_routes

OMAHA_NURSE, NETWORK_ADMIN = "nurse@omaha.example.org", "admin@example.org"
# What of London's patient must never show to Omaha's staff.
LONDON_TRACES = ("P3", "Olivia", "Hughes", "7911123134", "7911 123134")


@dataclass
class Ids:
    """The other location's records, one of each kind a route can name."""

    external_id: str
    appointment_id: int
    message_id: int
    inbound_id: int
    alert_id: int
    patient_pk: int = 0
    response_id: int = 0  # her completed PHQ-9

    def fill(self, path: str) -> str:
        values = {
            "external_id": self.external_id,
            "appointment_id": self.appointment_id,
            "alert_id": self.alert_id,
            # /staff/messages/{id} is a planned message; /staff/inbox/{id} a reply.
            "message_id": self.inbound_id if "/inbox/" in path else self.message_id,
            "staff_id": 1,
            "token_id": 1,
            "revision_id": 1,
            "language": "en",
            "template": "reminder",
            "part": "sms.txt",
            "resource_id": f"phq9-{self.response_id}"
            + ("-total" if "/Observation/" in path else ""),
        }
        return re.sub(r"\{([^}]+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def seed(engine: Engine, protocol: Protocol, folder: Path) -> Ids:
    """Omaha's Ana and London's Olivia, each with an infusion today, planned messages, a
    crisis reply and its alert."""
    now = datetime.now(UTC)
    start = (now - timedelta(minutes=30)).strftime("%Y%m%dT%H%M%SZ")
    end = (now + timedelta(minutes=60)).strftime("%Y%m%dT%H%M%SZ")
    for name, patient in (("omaha.ics", "P1"), ("london.ics", "P3")):
        (folder / name).write_text(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{patient}-today\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n"
            f"DTEND:{end}\r\nX-PATIENT-ID:{patient}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    window = ImportWindow(now, timedelta(days=8), timedelta(days=60))
    import_files(
        engine,
        protocol,
        window,
        folder / "roster.csv",
        [folder / "omaha.ics", folder / "london.ics"],
    )
    renderer = Renderer(ROOT / "templates")
    for sid, number in (("SMana", "+14025550134"), ("SMolivia", "+447911123134")):
        inbound = Inbound(sid, number, "+14025550100", "i want to end it all tonight")
        handle(engine, protocol, renderer, inbound, now)
    with Session(engine) as session:
        olivia = session.exec(select(Patient).where(Patient.external_id == "P3")).one()
        assert olivia.location == "london"
        pid = olivia.id or 0
        appointment = session.exec(select(Appointment).where(Appointment.patient_id == pid)).one()
        message = session.exec(
            select(ScheduledMessage).where(ScheduledMessage.patient_id == pid)
        ).first()
        inbound_row = session.exec(
            select(InboundMessage).where(InboundMessage.patient_id == pid)
        ).one()
        alert = session.exec(select(Alert).where(Alert.patient_id == pid)).one()
        assert message is not None
        conversation = Conversation(
            patient_id=pid,
            appointment_id=appointment.id,
            survey="phq9",
            question_index=9,
            started_at=now - timedelta(days=1),
            expires_at=now,
            ended_at=now - timedelta(hours=20),
        )
        session.add(conversation)
        session.flush()
        response = InstrumentResponse(
            patient_id=pid,
            appointment_id=appointment.id,
            conversation_id=conversation.id or 0,
            instrument="phq9",
            answers="[1, 2, 1, 1, 0, 2, 1, 0, 0]",
            started_at=now - timedelta(days=1),
            updated_at=now - timedelta(hours=20),
            completed_at=now - timedelta(hours=20),
        )
        session.add(response)
        session.commit()
        return Ids(
            "P3",
            appointment.id or 0,
            message.id or 0,
            inbound_row.id or 0,
            alert.id or 0,
            pid,
            response.id or 0,
        )


@pytest.fixture
def network_site(engine: Engine, tmp_path: Path) -> Iterator[tuple[Site, Ids, Protocol]]:
    shutil.copy(NETWORK / "roster.csv", tmp_path / "roster.csv")
    protocol = parse_protocol(network_protocol_text())
    ids = seed(engine, protocol, tmp_path)
    now = datetime.now(UTC)
    add_staff(engine, OMAHA_NURSE, "clinician", PASSWORD, now, locations=frozenset({"omaha"}))
    add_staff(engine, NETWORK_ADMIN, "admin", PASSWORD, now)
    for site in serve(engine, protocol, "http://127.0.0.1"):
        yield site, ids, protocol


def signed_in(site: Site, email: str) -> Browser:
    browser = site.browser()
    status, _, _ = browser.sign_in(email, PASSWORD)
    assert status == 303
    return browser


def state(engine: Engine, ids: Ids) -> tuple[object, ...]:
    """What a change to London's records would change."""
    with Session(engine) as session:
        alert = session.get(Alert, ids.alert_id)
        appointment = session.get(Appointment, ids.appointment_id)
        message = session.get(ScheduledMessage, ids.message_id)
        inbound = session.get(InboundMessage, ids.inbound_id)
        assert alert and appointment and message and inbound
        return (
            alert.acknowledged_at,
            appointment.discharged_at,
            message.status,
            message.due_at,
            inbound.handled_at,
        )


def test_omaha_staff_get_404_for_every_route_naming_a_london_record_and_change_nothing(
    network_site: tuple[Site, Ids, Protocol],
) -> None:
    site, ids, _ = network_site
    nurse = signed_in(site, OMAHA_NURSE)
    before = state(site.engine, ids)
    walked = []
    for method, path in staff_routes(site.app):
        names = re.findall(r"\{([^}]+)\}", path)
        named = ("external_id", "appointment_id", "message_id", "alert_id", "resource_id")
        if not any(n in named for n in names):
            continue
        concrete = ids.fill(path)
        token = nurse.csrf("/staff/")
        form = {"csrf_token": token, "note": "x", "body": "hello"}
        if path.startswith("/api/"):
            # The API takes JSON or nothing, and the CSRF token in a header.
            form = {}
            nurse.headers["X-CSRF-Token"] = token
        status, _, body = nurse.request(method, concrete, form if method == "POST" else None)
        nurse.headers.pop("X-CSRF-Token", None)
        walked.append((method, path))
        if path == "/staff/alerts/{alert_id}":
            # The on-call link only points at the alerts page, which shows nothing of it.
            assert status == 303, (method, path, status)
            continue
        assert status == 404, (method, path, status, body[:200])
        # The 404 may repeat the id asked for, and nothing else of the patient.
        assert not any(trace in body for trace in LONDON_TRACES[1:]), (method, path)
    assert len(walked) >= 10, walked
    assert state(site.engine, ids) == before


def test_omaha_staff_see_nothing_of_london_on_any_page_or_list(
    network_site: tuple[Site, Ids, Protocol],
) -> None:
    site, ids, _ = network_site
    nurse = signed_in(site, OMAHA_NURSE)
    admin = signed_in(site, NETWORK_ADMIN)
    pages = [
        path
        for method, path in staff_routes(site.app)
        if method == "GET" and "{" not in path and path != "/staff/sign-out"
    ]
    pages += ["/staff/inbox?view=all", "/staff/patients?q=Hughes", "/api/replies?limit=500"]
    seen_by_admin = 0
    for path in pages:
        status, _, body = nurse.request("GET", path)
        assert status in (200, 400, 403), (path, status)  # 400: a search needs its patient
        # A search box repeats what was searched for; nothing else of her may show.
        traces = [t for t in LONDON_TRACES if t not in path]
        assert not any(trace in body for trace in traces), (path, body[:300])
        _, _, everything = admin.request("GET", path)
        seen_by_admin += any(trace in everything for trace in LONDON_TRACES)
        if "/patients" in path or path in ("/staff/", "/staff/alerts", "/api/alerts"):
            # Omaha's own patient is there for the nurse.
            assert status != 200 or "P1" in body or "Ana" in body or path == "/staff/", path
    # The network admin sees London on the same pages: the test can fail.
    assert seen_by_admin >= 5
    status, _, body = admin.request("GET", f"/staff/patients/{ids.external_id}")
    assert status == 200 and "Olivia" in body


def test_a_token_made_for_omahas_staff_reads_only_omaha_through_the_api(
    network_site: tuple[Site, Ids, Protocol],
) -> None:
    site, ids, _ = network_site
    token = create_token(site.engine, "omaha-tool", OMAHA_NURSE, datetime.now(UTC))
    tool = site.browser()
    tool.headers["Authorization"] = f"Bearer {token}"
    for path in ("/api/patients", "/api/appointments", "/api/messages", "/api/replies",
                 "/api/reports", "/api/alerts?all=true", "/api/syncs"):  # fmt: skip
        status, _, body = tool.request("GET", path)
        assert status == 200, (path, status)
        assert not any(trace in body for trace in LONDON_TRACES), path
    status, _, _ = tool.request("GET", "/api/patients/P3")
    assert status == 404
    # Her rating scales: a FHIR search finds nothing, as for a patient who does not exist.
    for kind in ("QuestionnaireResponse", "Observation"):
        status, _, body = tool.request("GET", f"/api/fhir/{kind}?patient={ids.patient_pk}")
        assert status == 200 and f"phq9-{ids.response_id}" not in body and "not-found" in body
    status, _, body = tool.request("GET", "/api/patients/P1")
    assert status == 200 and "Ana" in body
    status, _, _ = tool.request("POST", f"/api/alerts/{ids.alert_id}/acknowledge")
    assert status == 404
    status, _, _ = tool.request("POST", f"/api/appointments/{ids.appointment_id}/discharged")
    assert status == 404
    assert state(site.engine, ids)[0] is None  # London's alert still open


def test_the_network_admin_narrows_today_to_one_location(
    network_site: tuple[Site, Ids, Protocol],
) -> None:
    site, _, _ = network_site
    admin = signed_in(site, NETWORK_ADMIN)
    _, _, everything = admin.request("GET", "/staff/today")
    assert "Olivia" in everything and "Ana" in everything
    assert '<option value="london">Lakeside London</option>' in everything
    _, _, london = admin.request("GET", "/staff/today?location=london")
    assert "Olivia" in london and "Ana Rivera" not in london and "Lakeside London" in london
    # The nurse may not widen her view by asking for another location.
    nurse = signed_in(site, OMAHA_NURSE)
    _, _, page = nurse.request("GET", "/staff/today?location=london")
    assert "Olivia" not in page and "Ana" in page
    assert 'name="location"' not in page  # one location: nothing to choose
