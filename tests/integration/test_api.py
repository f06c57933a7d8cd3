"""The JSON API over real HTTP on 127.0.0.1, on SQLite and PostgreSQL: bearer tokens,
every endpoint's rows and fields, paging, acknowledging alerts, and the OpenAPI document."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.db.models import (
    Alert,
    ApiToken,
    Appointment,
    AppointmentStatus,
    AuditEvent,
    InboundMessage,
    MessageStatus,
    Patient,
    ReplyMessage,
    ScheduledMessage,
    SymptomReport,
)
from followup.protocol import Protocol
from followup.staff import add_staff, create_token, revoke_token
from tests.integration.test_staff_web import PASSWORD, Browser, Site, serve

# Real now, whole minutes: "next infusion" and the chart's past infusions are relative to it.
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
BASE = NOW - timedelta(days=10)  # the first infusion of the seeded series
DAY = timedelta(days=1)
HTML_REPLY = '<b>bold</b> & <script>alert("x")</script>'
API_PATHS = {
    "/api/patients",
    "/api/patients/{external_id}",
    "/api/appointments",
    "/api/messages",
    "/api/replies",
    "/api/reports",
    "/api/alerts",
    "/api/alerts/{alert_id}/acknowledge",
}


@dataclass(frozen=True)
class Seeded:
    """Ids of the rows tests look for."""

    ana: int
    open_alert: int
    acknowledged_alert: int


def seed(engine: Engine) -> Seeded:
    """Three patients: Ana with three past infusions, messages, replies and scores; Luis
    opted out; Grace unreachable and paused by an open crisis alert."""
    with Session(engine) as session:

        def patient(external_id: str, first: str, last: str, **fields: Any) -> Patient:
            row = Patient(
                external_id=external_id,
                first_name=first,
                last_name=last,
                created_at=BASE,
                updated_at=BASE,
                **fields,
            )
            session.add(row)
            session.flush()
            return row

        ana = patient(
            "P001",
            "Ana",
            "Rivera",
            phone="+14025550134",
            email="ana.rivera@example.org",
            timezone="America/Chicago",
            sms_consent=True,
            email_consent=True,
        )
        luis = patient(
            "P002", "Luis", "García", phone="+14025550147", language="es", sms_consent=True
        )
        luis.opted_out_at = BASE + DAY
        grace = patient("P003", "Grace", "Okafor", phone="+12125550181", sms_consent=True)
        grace.sms_unreachable_at, grace.sms_unreachable_reason = BASE, "landline"
        grace.paused_at = BASE + 5 * DAY
        assert ana.id and luis.id and grace.id

        infusions = []
        for i, start in enumerate([BASE, BASE + 2 * DAY, BASE + 4 * DAY, NOW + 3 * DAY]):
            past = start < NOW
            appointment = Appointment(
                source="ics:infusions.ics",
                source_uid=f"ana-{i}",
                patient_id=ana.id,
                start_at=start,
                end_at=start + timedelta(minutes=90),
                status=AppointmentStatus.COMPLETED if past else AppointmentStatus.BOOKED,
                treatment="depression",
                confirmation="confirmed" if i == 0 else None,
                confirmation_at=start - DAY if i == 0 else None,
                discharged_at=start + timedelta(minutes=100) if past else None,
                created_at=BASE,
                updated_at=BASE,
            )
            session.add(appointment)
            session.flush()
            infusions.append(appointment)
        session.add(
            Appointment(
                source="ics:infusions.ics",
                source_uid="luis-0",
                patient_id=luis.id,
                start_at=NOW + DAY,
                end_at=NOW + DAY + timedelta(minutes=90),
                treatment="depression",
                created_at=BASE,
                updated_at=BASE,
            )
        )

        first = infusions[0].id or 0
        for step, status, due, extra in [
            ("preparation", MessageStatus.DELIVERED, BASE - 2 * DAY, {"body": "Prepare: fast 6h"}),
            (
                "checkin_day1",
                MessageStatus.FAILED,
                BASE + DAY,
                {"error_code": "30006", "error_text": "Landline or unreachable carrier"},
            ),
            ("checkin_day3", MessageStatus.SKIPPED, BASE + 3 * DAY, {"status_reason": "opted out"}),
            ("checkin_day7", MessageStatus.PENDING, NOW + DAY, {}),
        ]:
            session.add(
                ScheduledMessage(
                    appointment_id=first,
                    patient_id=ana.id,
                    step=step,
                    kind=step.split("_")[0],
                    template=step.split("_")[0],
                    channel="sms",
                    due_at=due,
                    status=status,
                    sent_at=due if status == MessageStatus.DELIVERED else None,
                    provider_id="SM1" if status == MessageStatus.DELIVERED else None,
                    attempts=1 if status != MessageStatus.PENDING else 0,
                    created_at=BASE,
                    updated_at=BASE,
                    **extra,
                )
            )

        def inbound(sid: str, body: str, at: datetime, patient_id: int | None) -> InboundMessage:
            row = InboundMessage(
                provider_sid=sid,
                from_number="+14025550134" if patient_id else "+15555550000",
                to_number="+14025550100",
                body=body,
                received_at=at,
                patient_id=patient_id,
                kind="answer" if patient_id else "unknown_sender",
            )
            session.add(row)
            session.flush()
            return row

        seven = inbound("SMa1", "7", BASE + DAY + timedelta(hours=1), ana.id)
        html = inbound("SMa2", HTML_REPLY, BASE + 3 * DAY, ana.id)
        html.kind, html.needs_attention = "message", True
        inbound("SMx1", "who is this", BASE + 4 * DAY, None)
        session.add(
            ReplyMessage(
                inbound_message_id=seven.id or 0,
                patient_id=ana.id,
                to_number="+14025550134",
                kind="survey",
                body="Thanks. Any side effects?",
                status="delivered",
                created_at=seven.received_at,
                updated_at=seven.received_at,
            )
        )

        for question, value, at in [
            ("mood", 4.0, BASE + DAY),
            ("pain", 7.0, BASE + DAY),
            ("mood", 6.0, BASE + 3 * DAY),
            ("pain", 5.0, BASE + 3 * DAY),
            ("mood", 8.0, BASE + 5 * DAY),
        ]:
            session.add(
                SymptomReport(
                    patient_id=ana.id,
                    appointment_id=first,
                    survey="post_infusion",
                    question=question,
                    value=value,
                    reported_at=at,
                )
            )
        session.add(
            SymptomReport(
                patient_id=ana.id,
                survey="post_infusion",
                question="anything_else",
                text="tired",
                reported_at=BASE + 5 * DAY,
            )
        )

        open_alert = Alert(
            patient_id=grace.id,
            severity="critical",
            reason="crisis language",
            created_at=BASE + 5 * DAY,
            next_escalation_at=BASE + 5 * DAY + timedelta(minutes=10),
        )
        done = Alert(
            patient_id=ana.id,
            severity="high",
            reason="mood 2 or below",
            created_at=BASE + DAY,
            acknowledged_at=BASE + DAY + timedelta(minutes=5),
            acknowledged_by="nurse@example.org",
        )
        session.add_all([open_alert, done])
        session.commit()
        return Seeded(ana.id, open_alert.id or 0, done.id or 0)


@dataclass
class Api:
    """An HTTP client for /api: a bearer token, or the cookies of a signed-in Browser."""

    base: str
    token: str | None = None
    browser: Browser | None = None

    def call(
        self,
        method: str,
        path: str,
        body: object = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        all_headers = {"Accept": "application/json", **(headers or {})}
        if self.token is not None:
            all_headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=all_headers
        )
        opener = self.browser.opener if self.browser else urllib.request.build_opener()
        try:
            with opener.open(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read() or b"null")

    def get(self, path: str) -> Any:
        status, payload = self.call("GET", path)
        assert status == 200, (path, status, payload)
        return payload


@dataclass
class ApiSite:
    site: Site
    seeded: Seeded
    token: str

    @property
    def api(self) -> Api:
        return Api(self.site.base, self.token)


@pytest.fixture
def api_site(engine: Engine, protocol: Protocol) -> Iterator[ApiSite]:
    seeded = seed(engine)
    add_staff(engine, "admin@example.org", "admin", PASSWORD, NOW)
    add_staff(engine, "nurse@example.org", "clinician", PASSWORD, NOW)
    token = create_token(engine, "ehr-bridge", "admin@example.org", NOW)
    for site in serve(engine, protocol, "http://127.0.0.1"):
        yield ApiSite(site, seeded, token)


def utc(value: str) -> datetime:
    """Datetimes in the API are ISO 8601 in UTC, written with a Z."""
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


GETS = [
    "/api/patients",
    "/api/patients/P001",
    "/api/appointments",
    "/api/messages",
    "/api/replies",
    "/api/reports",
    "/api/alerts",
]


def test_without_a_valid_token_every_endpoint_answers_401(api_site: ApiSite) -> None:
    for token in (None, "fu_not-a-real-token", ""):
        client = Api(api_site.site.base, token)
        for path in GETS:
            status, payload = client.call("GET", path)
            assert status == 401 and payload == {
                "detail": "sign in or send a valid bearer token"
            }, (token, path)
        status, _ = client.call("POST", f"/api/alerts/{api_site.seeded.open_alert}/acknowledge", {})
        assert status == 401
    # Nothing was acknowledged by the refused post.
    assert api_site.api.get("/api/alerts")["total"] == 1


def test_a_created_token_works_and_its_use_is_recorded(api_site: ApiSite) -> None:
    for path in GETS:
        api_site.api.get(path)
    with Session(api_site.site.engine) as session:
        [row] = session.exec(select(ApiToken)).all()
    assert row.last_used_at is not None and row.last_used_at >= NOW
    assert api_site.token not in row.token_hash  # only the hash is kept


def test_a_revoked_token_is_refused_at_once(api_site: ApiSite) -> None:
    api_site.api.get("/api/patients")
    with Session(api_site.site.engine) as session:
        [row] = session.exec(select(ApiToken)).all()
    revoke_token(api_site.site.engine, row.id or 0, "admin@example.org", NOW)
    status, _ = api_site.api.call("GET", "/api/patients")
    assert status == 401


def test_patients_list_the_roster_with_consent_opt_out_and_next_infusion(
    api_site: ApiSite,
) -> None:
    page = api_site.api.get("/api/patients")
    assert (page["total"], page["limit"], page["offset"]) == (3, 100, 0)
    by_id = {p["external_id"]: p for p in page["items"]}
    assert list(by_id) == ["P001", "P002", "P003"]
    ana, luis, grace = by_id["P001"], by_id["P002"], by_id["P003"]
    assert set(ana) == {
        "external_id",
        "id",
        "first_name",
        "last_name",
        "phone",
        "email",
        "language",
        "timezone",
        "sms_consent",
        "email_consent",
        "opted_out_at",
        "sms_unreachable_at",
        "sms_unreachable_reason",
        "paused_at",
        "next_infusion_at",
        "created_at",
        "updated_at",
    }
    assert (ana["sms_consent"], ana["email_consent"], ana["opted_out_at"]) == (True, True, None)
    assert utc(ana["next_infusion_at"]) == NOW + 3 * DAY
    assert utc(luis["opted_out_at"]) == BASE + DAY and luis["email_consent"] is False
    assert luis["last_name"] == "García" and luis["language"] == "es"
    assert grace["sms_unreachable_reason"] == "landline" and utc(grace["paused_at"])
    assert grace["next_infusion_at"] is None
    assert api_site.api.get("/api/patients/P001") == ana


def test_an_unknown_patient_is_a_404_that_says_so(api_site: ApiSite) -> None:
    for path in (
        "/api/patients/P999",
        "/api/appointments?patient=P999",
        "/api/messages?patient=P999",
        "/api/replies?patient=P999",
        "/api/reports?patient=P999",
    ):
        status, payload = api_site.api.call("GET", path)
        assert (status, payload) == (404, {"detail": "no patient has id 'P999'"}), path


def test_appointments_filter_by_patient_and_time(api_site: ApiSite) -> None:
    page = api_site.api.get("/api/appointments")
    assert page["total"] == 5
    starts = [utc(a["start_at"]) for a in page["items"]]
    assert starts == sorted(starts)
    ana = api_site.api.get("/api/appointments?patient=P001")["items"]
    assert [a["patient_id"] for a in ana] == ["P001"] * 4
    first = ana[0]
    assert first["status"] == "completed" and first["confirmation"] == "confirmed"
    assert utc(first["discharged_at"]) == BASE + timedelta(minutes=100)
    assert first["source"] == "ics:infusions.ics" and first["treatment"] == "depression"
    assert utc(first["end_at"]) - utc(first["start_at"]) == timedelta(minutes=90)

    start, end = (BASE + DAY).isoformat().replace("+00:00", "Z"), NOW.isoformat()
    window = api_site.api.get(
        f"/api/appointments?from={start}&to={urllib.parse.quote(end)}&patient=P001"
    )
    assert [utc(a["start_at"]) for a in window["items"]] == [BASE + 2 * DAY, BASE + 4 * DAY]
    # A time without a zone names no instant: refused, not guessed.
    status, payload = api_site.api.call("GET", "/api/appointments?from=2026-01-05T09:00:00")
    assert status == 422 and payload["detail"][0]["loc"] == ["query", "from"]


def test_messages_show_delivery_status_and_reason_and_filter(api_site: ApiSite) -> None:
    page = api_site.api.get("/api/messages")
    assert page["total"] == 4
    by_step = {m["step"]: m for m in page["items"]}
    assert by_step["preparation"]["status"] == "delivered"
    assert by_step["preparation"]["body"] == "Prepare: fast 6h"
    assert utc(by_step["preparation"]["sent_at"]) == BASE - 2 * DAY
    failed = by_step["checkin_day1"]
    assert (failed["status"], failed["error_code"]) == ("failed", "30006")
    assert by_step["checkin_day3"]["status_reason"] == "opted out"
    assert by_step["checkin_day7"]["body"] is None
    only_failed = api_site.api.get("/api/messages?status=failed&patient=P001")
    assert [m["step"] for m in only_failed["items"]] == ["checkin_day1"]
    assert only_failed["total"] == 1
    assert api_site.api.get("/api/messages?patient=P002")["items"] == []
    status, _ = api_site.api.call("GET", "/api/messages?status=lost")
    assert status == 422


def test_replies_are_returned_as_received_with_our_answer(api_site: ApiSite) -> None:
    page = api_site.api.get("/api/replies")
    assert page["total"] == 3
    seven, html, stranger = page["items"]
    assert seven["body"] == "7" and seven["patient_id"] == "P001"
    assert seven["urgency"] == "ordinary" and seven["triage"] is None
    assert seven["answer"]["body"] == "Thanks. Any side effects?"
    assert seven["answer"]["status"] == "delivered"
    # JSON carries the text as it came; escaping is the job of whatever shows it.
    assert html["body"] == HTML_REPLY and html["needs_attention"] is True
    assert html["answer"] is None
    assert stranger["patient_id"] is None and stranger["kind"] == "unknown_sender"
    assert api_site.api.get("/api/replies?patient=P001")["total"] == 2


def test_reports_filter_by_patient_and_question(api_site: ApiSite) -> None:
    page = api_site.api.get("/api/reports?patient=P001")
    assert page["total"] == 6
    first = page["items"][0]
    assert set(first) == {
        "id",
        "patient_id",
        "appointment_id",
        "survey",
        "question",
        "value",
        "text",
        "reported_at",
    }
    moods = api_site.api.get("/api/reports?patient=P001&question=mood")["items"]
    assert [(r["value"], utc(r["reported_at"])) for r in moods] == [
        (4.0, BASE + DAY),
        (6.0, BASE + 3 * DAY),
        (8.0, BASE + 5 * DAY),
    ]
    [note] = api_site.api.get("/api/reports?question=anything_else")["items"]
    assert (note["text"], note["value"], note["appointment_id"]) == ("tired", None, None)


def test_alerts_are_open_ones_by_default_and_all_on_request(api_site: ApiSite) -> None:
    open_page = api_site.api.get("/api/alerts")
    assert [a["id"] for a in open_page["items"]] == [api_site.seeded.open_alert]
    alert = open_page["items"][0]
    assert (alert["severity"], alert["patient_id"], alert["patient_name"]) == (
        "critical",
        "P003",
        "Grace O.",
    )
    assert alert["acknowledged_at"] is None
    every = api_site.api.get("/api/alerts?all=true")
    assert [a["id"] for a in every["items"]] == [
        api_site.seeded.open_alert,
        api_site.seeded.acknowledged_alert,
    ]
    assert every["items"][1]["acknowledged_by"] == "nurse@example.org"


def test_a_token_acknowledges_an_alert_without_csrf_and_it_is_audited(api_site: ApiSite) -> None:
    alert_id = api_site.seeded.open_alert
    status, alert = api_site.api.call(
        "POST", f"/api/alerts/{alert_id}/acknowledge", {"note": "called her, she is safe"}
    )
    assert status == 200, alert
    assert alert["acknowledged_by"] == "token:ehr-bridge" and utc(alert["acknowledged_at"])
    assert api_site.api.get("/api/alerts")["items"] == []
    with Session(api_site.site.engine) as session:
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "alert.acknowledge")
        ).all()
        grace = session.exec(select(Patient).where(Patient.external_id == "P003")).one()
        stored = session.get(Alert, alert_id)
    assert (event.actor, event.record_type, event.record_id) == (
        "token:ehr-bridge",
        "alert",
        str(alert_id),
    )
    assert "called her, she is safe" in (event.after or "")
    assert stored is not None and stored.acknowledgement_note == "called her, she is safe"
    assert grace.paused_at is None  # her last crisis alert was taken: messages resume

    # Again: nothing changes, the first acknowledgement stands, no second audit row.
    status, again = api_site.api.call("POST", f"/api/alerts/{alert_id}/acknowledge")
    assert status == 200 and again == alert
    with Session(api_site.site.engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "alert.acknowledge")
        ).all()
    assert len(events) == 1


def test_acknowledging_an_unknown_alert_or_with_a_bad_body_is_refused(api_site: ApiSite) -> None:
    status, payload = api_site.api.call("POST", "/api/alerts/99999/acknowledge", {"note": "x"})
    assert (status, payload) == (404, {"detail": "no alert has id 99999"})
    alert_id = api_site.seeded.open_alert
    status, _ = api_site.api.call("POST", f"/api/alerts/{alert_id}/acknowledge", {"notes": "x"})
    assert status == 422  # a misspelt field is an error, not silently dropped
    status, _ = api_site.api.call(
        "POST", f"/api/alerts/{alert_id}/acknowledge", {"note": "x" * 2001}
    )
    assert status == 422
    assert api_site.api.get("/api/alerts")["total"] == 1


def test_a_session_reads_the_api_and_acknowledging_needs_its_csrf_token(
    api_site: ApiSite,
) -> None:
    browser = api_site.site.browser()
    browser.sign_in("nurse@example.org", PASSWORD)
    api = Api(api_site.site.base, browser=browser)
    assert api.get("/api/patients")["total"] == 3
    path = f"/api/alerts/{api_site.seeded.open_alert}/acknowledge"
    status, payload = api.call("POST", path, {"note": "on it"})
    assert status == 403 and "did not come from this site" in payload["detail"]
    status, _ = api.call("POST", path, {"note": "on it"}, {"X-CSRF-Token": "forged"})
    assert status == 403
    assert api.get("/api/alerts")["total"] == 1  # still open
    csrf = browser.csrf("/staff/")
    status, alert = api.call("POST", path, {"note": "on it"}, {"X-CSRF-Token": csrf})
    assert status == 200 and alert["acknowledged_by"] == "nurse@example.org"
    with Session(api_site.site.engine) as session:
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "alert.acknowledge")
        ).all()
    assert event.actor == "nurse@example.org"


def test_paging_walks_every_row_once(api_site: ApiSite) -> None:
    seen = []
    for offset in range(0, 6, 2):
        page = api_site.api.get(f"/api/reports?limit=2&offset={offset}")
        assert (page["total"], page["limit"], page["offset"]) == (6, 2, offset)
        seen += [r["id"] for r in page["items"]]
    assert len(seen) == len(set(seen)) == 6
    assert api_site.api.get("/api/reports?limit=2&offset=6")["items"] == []
    assert [p["external_id"] for p in api_site.api.get("/api/patients?limit=1&offset=1")["items"]]
    assert api_site.api.get("/api/alerts?all=true&limit=1&offset=1")["items"][0]["id"] == (
        api_site.seeded.acknowledged_alert
    )
    assert api_site.api.get("/api/patients?limit=500")["limit"] == 500
    for bad in ("limit=501", "limit=0", "offset=-1", "limit=ten"):
        status, _ = api_site.api.call("GET", f"/api/patients?{bad}")
        assert status == 422, bad


def test_the_openapi_document_describes_every_api_path(api_site: ApiSite) -> None:
    with urllib.request.urlopen(api_site.site.base + "/openapi.json", timeout=15) as response:
        document = json.loads(response.read())
    # Other sections add their own /api/ routes; these are the ones this module promises.
    assert API_PATHS <= set(document["paths"])
    paths = {p: document["paths"][p] for p in API_PATHS}
    schemas = document["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema["$ref"]
        resolved: dict[str, Any] = schemas[ref.rsplit("/", 1)[1]]
        return resolved

    for path, operations in paths.items():
        for method, operation in operations.items():
            ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
            model = resolve(ok)
            assert model["properties"], (method, path)
            assert "401" in operation["responses"], (method, path)
            if "{" in path or method == "post":
                assert "404" in operation["responses"], (method, path)
    page = resolve(
        paths["/api/patients"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    )
    assert {"items", "total", "limit", "offset"} <= set(page["properties"])
    patient = resolve(page["properties"]["items"]["items"])
    assert {"external_id", "sms_consent", "opted_out_at", "next_infusion_at"} <= set(
        patient["properties"]
    )
    acknowledge = paths["/api/alerts/{alert_id}/acknowledge"]["post"]
    body = acknowledge["requestBody"]["content"]["application/json"]["schema"]
    assert "AcknowledgeIn" in json.dumps(body)
    limit = next(p for p in paths["/api/messages"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 500


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/patients?offset=9223372036854775808"),
        ("GET", "/api/patients?offset=2147483648"),
        ("GET", "/api/patients?limit=-1"),
        ("POST", "/api/alerts/9223372036854775808/acknowledge"),
        ("POST", "/api/alerts/0/acknowledge"),
        ("POST", "/api/appointments/2147483648/discharged"),
    ],
)
def test_a_number_out_of_range_is_a_422_never_a_server_error(
    api_site: ApiSite, method: str, path: str
) -> None:
    status, payload = api_site.api.call(method, path, body={} if method == "POST" else None)
    assert status == 422, (path, status, payload)
