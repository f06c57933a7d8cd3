"""Patients, one patient's chart, and API tokens, in a real headless Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page
from sqlalchemy import Engine
from sqlmodel import Session

from followup.db.models import (
    Appointment,
    AppointmentStatus,
    InboundMessage,
    MessageStatus,
    Patient,
    ScheduledMessage,
    SymptomReport,
)
from tests.browser.conftest import Clinic, screenshot

EXTERNAL_ID = "P900"
INFUSION_DAYS_AGO = (12, 8, 4)
# After each infusion: mood and pain the next day, mood again the day after.
ANSWERS = [(1, "mood", 4.0), (1, "pain", 7.0), (2, "mood", 5.0)]


def seed_patient(engine: Engine, protocol_tz: str = "America/Chicago") -> int:
    """A patient three infusions in, each followed by mood and pain answers; returns how
    many answers were stored."""
    tz = ZoneInfo(protocol_tz)
    today = datetime.now(tz).date()
    stored = 0
    with Session(engine) as session:
        now = datetime.now(UTC)
        patient = Patient(
            external_id=EXTERNAL_ID,
            first_name="Dana",
            last_name="Whitfield",
            phone="+14025550190",
            sms_consent=True,
            created_at=now,
            updated_at=now,
        )
        session.add(patient)
        session.flush()
        assert patient.id is not None
        for n, days_ago in enumerate(INFUSION_DAYS_AGO):
            start = datetime.combine(today - timedelta(days=days_ago), time(9, 0), tzinfo=tz)
            appointment = Appointment(
                source="ics:browser-test.ics",
                source_uid=f"dana-{n}",
                patient_id=patient.id,
                start_at=start,
                end_at=start + timedelta(minutes=90),
                status=AppointmentStatus.COMPLETED,
                treatment="depression",
                confirmation="confirmed",
                confirmation_at=start - timedelta(days=1),
                discharged_at=start + timedelta(minutes=95),
                created_at=now,
                updated_at=now,
            )
            session.add(appointment)
            session.flush()
            assert appointment.id is not None
            due = datetime.combine(start.date() + timedelta(days=1), time(10, 0), tzinfo=tz)
            session.add(
                ScheduledMessage(
                    appointment_id=appointment.id,
                    patient_id=patient.id,
                    step="checkin_day1",
                    kind="checkin",
                    template="checkin",
                    channel="sms",
                    due_at=due,
                    status=MessageStatus.DELIVERED,
                    attempts=1,
                    body="How is your mood today? Reply with a number from 0 to 10.",
                    sent_at=due,
                    created_at=now,
                    updated_at=now,
                )
            )
            for day, question, value in ANSWERS:
                answered = datetime.combine(
                    start.date() + timedelta(days=day), time(10, 5 + stored), tzinfo=tz
                )
                # Scores improve over the series, as the chart should show.
                score = value + n if question == "mood" else value - n
                session.add(
                    SymptomReport(
                        patient_id=patient.id,
                        appointment_id=appointment.id,
                        survey="post_infusion",
                        question=question,
                        value=score,
                        reported_at=answered,
                    )
                )
                stored += 1
            session.add(
                InboundMessage(
                    provider_sid=f"SMdana{n}",
                    from_number="+14025550190",
                    to_number="+14025550100",
                    body=f"{4 + n} <feeling ok>",
                    received_at=due + timedelta(minutes=5),
                    patient_id=patient.id,
                    kind="answer",
                    summary=f"mood: {4 + n}",
                )
            )
        session.commit()
    return stored


def test_a_patient_s_mood_and_pain_are_charted_with_the_infusions(
    page: Page, clinic: Clinic
) -> None:
    answers = seed_patient(clinic.engine, clinic.protocol.clinic.timezone)
    page.goto(f"{clinic.base}/staff/patients")
    assert page.locator("h1").inner_text() == "Patients"
    roster = page.locator("table.roster tbody tr")
    assert roster.count() >= 5  # the sample roster and Dana
    screenshot(page, "patients")

    page.click("text=Dana Whitfield")
    page.wait_for_url(f"**/staff/patients/{EXTERNAL_ID}")
    chart = page.get_by_role("img", name="Mood and pain scores over time")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    dots = chart.locator("circle.point")
    assert dots.count() == answers == 9
    assert chart.locator("circle.point[data-series=mood]").count() == 6
    assert chart.locator("circle.point[data-series=pain]").count() == 3
    assert chart.locator("g.infusion").count() == len(INFUSION_DAYS_AGO)
    # Every dot is drawn inside the chart, not at the origin or off the side.
    for index in range(dots.count()):
        dot = dots.nth(index).bounding_box()
        assert dot is not None
        assert box["x"] < dot["x"] < box["x"] + box["width"]
        assert box["y"] < dot["y"] < box["y"] + box["height"]
    # The reply's angle brackets are shown as text, not taken as markup.
    # Newest first, so the oldest is last.
    assert page.locator("td.reply-body").last.inner_text() == "4 <feeling ok>"
    assert page.locator("table.infusions tbody tr").count() == 3
    screenshot(page, "patient")


def test_an_admin_creates_and_revokes_an_api_token(page: Page, clinic: Clinic) -> None:
    page.goto(f"{clinic.base}/staff/tokens")
    page.fill("input[name=name]", "ehr-bridge")
    page.click("text=Create token")
    token = page.locator("#new-token").inner_text()
    assert token.startswith("fu_") and len(token) > 40
    assert "shown only this once" in page.locator(".token-once").inner_text()
    screenshot(page, "tokens")

    page.goto(f"{clinic.base}/staff/tokens")
    assert page.locator("#new-token").count() == 0
    assert token not in page.content()
    page.click("button[aria-label='Revoke ehr-bridge']")
    page.wait_for_url(f"{clinic.base}/staff/tokens")
    assert "revoked" in page.locator("table.tokens tbody tr").first.inner_text()
