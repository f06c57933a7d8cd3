"""The public sign-up page over real HTTP on SQLite and PostgreSQL, its confirmation SMS
through the real twilio SDK to the fake Twilio server, and what it must never tell."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.consent.records import disclosure_version
from followup.db.models import ConsentConfirmation, ConsentDisclosure, ConsentRecord, Patient
from followup.protocol import Protocol
from followup.testing.fake_twilio import FakeTwilio
from tests.integration.test_staff_web import Browser, Site, serve

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "optin-test-token"
CLINIC = "+14025550100"
ON_FILE, NOT_ON_FILE = "+14025550134", "+14025550177"
NOW = datetime(2027, 1, 10, 15, 0, tzinfo=UTC)
# Plain http: under https the session cookie (and so the CSRF token) is Secure-only.
PUBLIC = "http://127.0.0.1"


@dataclass
class Optin:
    site: Site
    engine: Engine
    fake: FakeTwilio

    def form(self, browser: Browser, lang: str = "en") -> tuple[str, str]:
        """The page's CSRF token and the disclosure version it shows."""
        status, _, page = browser.request("GET", f"/optin?lang={lang}")
        assert status == 200, page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        version = re.search(r'name="version" value="([^"]+)"', page)
        assert token and version
        return token.group(1), version.group(1)

    def sign_up(
        self, phone: str, tick: bool = True, browser: Browser | None = None, lang: str = "en"
    ) -> tuple[int, str]:
        browser = browser or self.site.browser()
        token, version = self.form(browser, lang)
        form = {"csrf_token": token, "version": version, "lang": lang, "phone": phone}
        if tick:
            form["consent"] = "yes"
        status, _, page = browser.request("POST", "/optin", form)
        return status, page

    def records(self) -> list[ConsentRecord]:
        with Session(self.engine) as session:
            return list(session.exec(select(ConsentRecord).order_by(ConsentRecord.id)))  # type: ignore[arg-type]

    def texts_to(self, phone: str, wait: float = 5.0) -> list[str]:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            found = [m["body"] for m in self.fake.deliveries_to(phone)]
            if found:
                return found
            time.sleep(0.05)
        return []


@pytest.fixture
def optin(engine: Engine, protocol: Protocol) -> Iterator[Optin]:
    with Session(engine) as session:
        session.add(
            Patient(
                external_id="P1", first_name="Ana", phone=ON_FILE, created_at=NOW, updated_at=NOW
            )
        )
        session.commit()
    with FakeTwilio(SID, TOKEN) as fake:
        more = {
            "twilio_account_sid": SID,
            "twilio_auth_token": TOKEN,
            "twilio_from_number": CLINIC,
            "twilio_base_url": fake.base_url,
        }
        for site in serve(engine, protocol, PUBLIC, **more):
            yield Optin(site, engine, fake)


def test_the_page_shows_the_versioned_disclosure_beside_an_unticked_box(optin: Optin) -> None:
    status, headers, page = optin.site.browser().request("GET", "/optin")
    assert (
        status == 200 and {k.lower(): v for k, v in headers.items()}["cache-control"] == "no-store"
    )
    box = re.search(r'<input type="checkbox"[^>]*>', page)
    assert box and "checked" not in box.group(0)
    for element in ("Lakeside Infusion Clinic", "appointments", "Msg frequency varies",
                    "Msg &amp; data rates may apply", "HELP", "STOP",
                    'href="https://lakeside.example.org/privacy"'):  # fmt: skip
        assert element in page, element
    spanish = optin.site.browser().request("GET", "/optin?lang=es")[2]
    assert '<html lang="es">' in spanish and "tarifas de mensajes y datos" in spanish


def test_a_sign_up_records_the_exact_text_shown_and_texts_the_confirmation_once(
    optin: Optin,
) -> None:
    status, page = optin.sign_up("(402) 555-0134")
    assert status == 200 and "Thank you" in page
    [record] = optin.records()
    assert (record.channel, record.given, record.source) == ("sms", True, "web_form")
    with Session(optin.engine) as session:
        patient = session.exec(select(Patient)).one()
        shown = session.get(ConsentDisclosure, record.disclosure_version)
    assert record.patient_id == patient.id and patient.sms_consent is True
    assert shown is not None and disclosure_version(shown.text) == record.disclosure_version
    assert shown.text.startswith("I agree to receive text messages from Lakeside Infusion Clinic")
    [confirmation] = optin.texts_to(ON_FILE)
    for element in ("Lakeside Infusion Clinic", "Msg & data rates may apply", "HELP", "STOP"):
        assert element in confirmation
    # The same number again the same day: recorded again, not texted again.
    assert optin.sign_up(ON_FILE)[0] == 200
    time.sleep(0.5)
    assert len(optin.texts_to(ON_FILE)) == 1 and len(optin.records()) == 2
    with Session(optin.engine) as session:
        row = session.get(ConsentConfirmation, ON_FILE)
    assert row is not None and row.status == "sent" and row.provider_id


def test_the_answer_is_the_same_whether_or_not_the_number_is_on_file(optin: Optin) -> None:
    on_file = optin.sign_up(ON_FILE)
    not_on_file = optin.sign_up(NOT_ON_FILE)
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert on_file[0] == not_on_file[0] == 200
    assert strip.sub("", on_file[1]) == strip.sub("", not_on_file[1])
    assert "Ana" not in on_file[1] and "0134" not in on_file[1]
    # A number nobody has yet keeps its consent, for the patient who comes to have it.
    stranger = [r for r in optin.records() if r.phone == NOT_ON_FILE]
    assert [(r.patient_id, r.given) for r in stranger] == [(None, True)]
    assert optin.texts_to(NOT_ON_FILE)  # confirmed as well


def test_an_unticked_box_or_a_foreign_or_bad_number_records_nothing(optin: Optin) -> None:
    status, page = optin.sign_up(ON_FILE, tick=False)
    assert status == 422 and "Tick the box" in page and "0134" not in page
    for number in ("+44 7700 900123", "555", "not a number"):
        status, page = optin.sign_up(number)
        assert status == 422 and "US mobile" in page, number
    assert optin.records() == []
    time.sleep(0.3)
    assert optin.fake.messages == []


def test_a_form_without_the_sessions_csrf_token_is_refused(optin: Optin) -> None:
    browser = optin.site.browser()
    _, version = optin.form(browser)
    form = {"csrf_token": "forged", "version": version, "phone": ON_FILE, "consent": "yes"}
    assert browser.request("POST", "/optin", form)[0] == 403
    assert optin.records() == []


def test_one_address_is_stopped_after_ten_sign_ups_an_hour(optin: Optin) -> None:
    browser = optin.site.browser("203.0.113.9")
    statuses = [optin.sign_up(f"+1402555{n:04d}", browser=browser)[0] for n in range(200, 211)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    # Another address is not held back by the first.
    assert optin.sign_up(ON_FILE, browser=optin.site.browser("203.0.113.10"))[0] == 200


def test_the_hours_confirmations_are_capped_for_every_web_process(
    engine: Engine, protocol: Protocol
) -> None:
    with FakeTwilio(SID, TOKEN) as fake:
        more = {
            "twilio_account_sid": SID,
            "twilio_auth_token": TOKEN,
            "twilio_from_number": CLINIC,
            "twilio_base_url": fake.base_url,
            "optin_confirmations_per_hour": 2,
        }
        # Two web processes' worth of apps on one database share the cap.
        for first in serve(engine, protocol, PUBLIC, **more):
            for second in serve(engine, protocol, PUBLIC, **more):
                one, two = Optin(first, engine, fake), Optin(second, engine, fake)
                assert one.sign_up("+14025550301")[0] == 200
                assert two.sign_up("+14025550302")[0] == 200
                status, page = one.sign_up("+14025550303")
                assert status == 429 and "try again in an hour" in page
                assert [r.phone for r in one.records()] == ["+14025550301", "+14025550302"]


def test_the_page_closes_when_the_wording_would_not_pass_review(
    engine: Engine, protocol: Protocol
) -> None:
    no_privacy = protocol.model_copy(update={"consent": protocol.consent.model_copy(
        update={"privacy_url": None})})  # fmt: skip
    for site in serve(engine, no_privacy, PUBLIC):
        status, _, page = site.browser().request("GET", "/optin")
        assert status == 503 and "not available right now" in page
        assert 'type="checkbox"' not in page
