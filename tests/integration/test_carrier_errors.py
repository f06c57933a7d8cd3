"""Carrier errors on SQLite and PostgreSQL: Twilio's status callbacks, signed as Twilio
signs them, and a send Twilio refuses, counted per sender on /metrics and shown on the
staff sync page with what to do; a repeated report counts once."""

from __future__ import annotations

import re
import urllib.request
from datetime import UTC, datetime

from sqlmodel import Session, select

from followup.db.models import CarrierError, ConsentRecord, ScheduledMessage
from followup.protocol import Protocol
from followup.staff import add_staff
from tests.integration import test_webhooks
from tests.integration.test_staff_web import PASSWORD, serve
from tests.integration.test_webhooks import CLINIC, SID, Server

server = test_webhooks.server  # the fixture: Ana on the roster, a signed-webhook client
SERVICE = "MG" + "0123456789abcdef" * 2


def report(server: Server, sid: str, code: str, status: str = "undelivered", **more: str) -> int:
    form = {"MessageSid": sid, "MessageStatus": status, "ErrorCode": code, "AccountSid": SID}
    return server.post("/twilio/status", {**form, **more})[0]


def metrics(server: Server) -> dict[tuple[str, str], float]:
    with urllib.request.urlopen(server.base + "/metrics", timeout=10) as response:
        text = response.read().decode()
    found = re.findall(
        r'^followup_carrier_errors_total\{code="(\d+)",sender="([^"]+)"\} ([0-9.]+)$', text, re.M
    )
    return {(sender, code): float(value) for code, sender, value in found}


def test_each_error_is_counted_per_sender_once_on_the_metrics_page(server: Server) -> None:
    assert report(server, "SM1", "30034", From=CLINIC) == 200
    assert report(server, "SM1", "30034", From=CLINIC) == 200  # Twilio repeats itself
    assert report(server, "SM2", "30034", From=CLINIC) == 200
    assert report(server, "SM3", "30007", From=CLINIC, MessagingServiceSid=SERVICE) == 200
    assert report(server, "SM4", "30032", From="+18005550100") == 200
    assert report(server, "SM5", "30003", From=CLINIC) == 200  # not a registration error
    assert report(server, "SM6", "30034", status="delivered", From=CLINIC) == 200
    assert metrics(server) == {
        (CLINIC, "30034"): 2.0,
        (SERVICE, "30007"): 1.0,  # the Messaging Service is the sender, as we send it
        ("+18005550100", "30032"): 1.0,
    }


def test_a_21610_report_records_the_revocation_and_the_error(server: Server) -> None:
    with Session(server.engine) as session:
        message = session.exec(
            select(ScheduledMessage).where(ScheduledMessage.channel == "sms")
        ).first()
        assert message is not None
        message.provider_id = "SMstopped"
        session.add(message)
        session.commit()
    assert report(server, "SMstopped", "21610", status="failed", From=CLINIC) == 200
    patient = server.patient()
    assert patient.opted_out_at is not None and patient.sms_consent is False
    with Session(server.engine) as session:
        newest = session.exec(
            select(ConsentRecord).order_by(ConsentRecord.id.desc())  # type: ignore[union-attr]
        ).first()
        [error] = session.exec(select(CarrierError)).all()
    assert newest is not None and (newest.given, newest.source) == (False, "carrier")
    assert (error.sender, error.code, error.ref) == (CLINIC, "21610", "SMstopped")
    assert metrics(server) == {(CLINIC, "21610"): 1.0}


def sync_page(server: Server, protocol: Protocol) -> str:
    """The staff sync page, from a second web process on the same database (plain http,
    so the session cookie comes back to the test's client)."""
    add_staff(server.engine, "nurse@example.org", "clinician", PASSWORD, datetime.now(UTC))
    for site in serve(server.engine, protocol, "http://127.0.0.1"):
        browser = site.browser()
        assert browser.sign_in("nurse@example.org", PASSWORD)[0] == 303
        status, _, page = browser.request("GET", "/staff/syncs")
        assert status == 200
    return page


def test_the_sync_page_names_each_senders_errors_and_what_to_do(
    server: Server, protocol: Protocol
) -> None:
    report(server, "SM1", "30034", From=CLINIC)
    report(server, "SM2", "30007", From=CLINIC)
    page = sync_page(server, protocol)
    section = page[page.index('id="carrier-errors"') : page.index("<h2>Calendars</h2>")]
    assert CLINIC in section and "30034" in section and "30007" in section
    assert "no approved A2P 10DLC campaign" in section and "followup compliance kit" in section
    assert "Filtered by the carrier" in section


def test_the_sync_page_says_so_when_twilio_reported_nothing(
    server: Server, protocol: Protocol
) -> None:
    assert 'id="carrier-none"' in sync_page(server, protocol)
