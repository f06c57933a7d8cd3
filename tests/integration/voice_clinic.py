"""A clinic served for the call tests: the web app under uvicorn, a fake Twilio whose Calls
API calls back through it (forwarded from the public address, as a proxy would), and a
patient whose crisis reply starts the calling."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from followup.db.models import Alert, AlertCall, AuditEvent, Patient
from followup.dispatch.calls import Dialer
from followup.protocol import Protocol
from followup.settings import Settings
from followup.staff import add_staff
from followup.testing.fake_calls import FakeCall
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import wait_for
from followup.testing.web import serving
from followup.web.app import create_app
from tests.conftest import ROOT
from tests.integration.test_staff_web import PASSWORD, Browser

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "voice-paging-test-token"
# Plain http, so that the staff session cookie works over the test's loopback http too.
PUBLIC = "http://followup.example-clinic.org"
CLINIC = "+14025550100"
ANA = "+14025550134"
NURSE = "nurse@example.org"
CRISIS = "i want to end it all tonight, i have the pills ready"
ASKED = (
    "Urgent patient alert from Lakeside Infusion Clinic. Press 1 to acknowledge. "
    "Press 2 to pass it to the next person."
)


def voice_protocol(protocol: Protocol, languages: tuple[str, ...] = (), **paging: Any) -> Protocol:
    """The shipped protocol with every on-call person taking calls."""
    people = [
        person.model_copy(
            update={"voice": True, "language": languages[i] if i < len(languages) else "en"}
        )
        for i, person in enumerate(protocol.on_call)
    ]
    return protocol.model_copy(
        update={"on_call": people, "paging": protocol.paging.model_copy(update=paging)}
    )


@dataclass
class Clinic:
    base: str
    engine: Engine
    protocol: Protocol
    fake: FakeTwilio
    dialer: Dialer
    first: str  # the first on-call person's phone
    second: str
    first_name: str
    second_name: str

    def post(self, path: str, params: dict[str, str], signature: str | None = None) -> str:
        signature = signature or RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
        request = urllib.request.Request(
            self.base + path,
            data=urllib.parse.urlencode(params).encode(),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            return str(response.read().decode())

    def sms(self, body: str, sid: str = "SMcrisis") -> str:
        params = {"MessageSid": sid, "From": ANA, "To": CLINIC, "Body": body, "AccountSid": SID}
        return self.post("/twilio/sms", params)

    def calls_to(self, number: str, count: int = 1, seconds: float = 20) -> list[FakeCall]:
        wait_for(
            lambda: len(self.fake.calls.calls_to(number)) >= count, seconds, f"call to {number}"
        )
        return self.fake.calls.calls_to(number)

    def alert(self) -> Alert:
        with Session(self.engine) as session:
            return session.exec(select(Alert)).one()

    def attempts(self) -> list[AlertCall]:
        with Session(self.engine) as session:
            return list(session.exec(select(AlertCall).order_by(col(AlertCall.id))))

    def audited(self, action: str) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            rows = session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [json.loads(row.after or "{}") for row in rows]

    def alerts_page(self) -> str:
        browser = Browser(self.base)
        assert browser.sign_in(NURSE, PASSWORD)[0] == 303
        status, _, page = browser.request("GET", "/staff/alerts")
        assert status == 200
        return page


def serve_clinic(engine: Engine, protocol: Protocol) -> Iterator[Clinic]:
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(
            Patient(
                external_id="P1",
                first_name="Ana",
                last_name="Rivera",
                phone=ANA,
                sms_consent=True,
                timezone="America/Chicago",
                created_at=now,
                updated_at=now,
            )
        )
        session.commit()
    add_staff(engine, NURSE, "clinician", PASSWORD, now)
    with FakeTwilio(SID, TOKEN) as fake:
        settings = Settings(
            database_url=str(engine.url),
            public_url=PUBLIC,
            secret_key="voice-tests-secret-0123456789abcdef",  # type: ignore[arg-type]
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,  # type: ignore[arg-type]
            twilio_from_number=CLINIC,
            twilio_base_url=fake.base_url,
            templates_dir=ROOT / "templates",
        )
        app = create_app(settings, engine, protocol)
        with serving(app) as base:
            fake.calls.forward(PUBLIC, base)
            a, b = protocol.on_call[0], protocol.on_call[1]
            yield Clinic(
                base,
                engine,
                protocol,
                fake,
                app.state.dialer,
                a.phone or "",
                b.phone or "",
                a.name,
                b.name,
            )
