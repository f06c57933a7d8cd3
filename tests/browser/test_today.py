"""The Today page in a real Chromium: Discharged asks first, and Undo sends nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from followup.db.models import Appointment, MessageStatus, ScheduledMessage
from tests.browser.conftest import Clinic, screenshot
from tests.browser.test_sections import in_the_chair


def discharge_sms(clinic: Clinic, appointment_id: int) -> ScheduledMessage:
    with Session(clinic.engine) as session:
        return session.exec(
            select(ScheduledMessage).where(
                ScheduledMessage.appointment_id == appointment_id,
                ScheduledMessage.step == "discharge",
                ScheduledMessage.channel == "sms",
            )
        ).one()


def appointment(clinic: Clinic, appointment_id: int) -> Appointment:
    with Session(clinic.engine) as session:
        appt = session.get(Appointment, appointment_id)
        assert appt is not None
        return appt


def test_discharged_asks_to_confirm_then_undo_within_the_minute_sends_nothing(
    page: Page, clinic: Clinic
) -> None:
    appointment_id = in_the_chair(clinic, "P003")
    booked = discharge_sms(clinic, appointment_id).due_at
    page.goto(f"{clinic.base}/staff/today")
    row = page.locator(f"#appointment-{appointment_id}")
    expect(row.get_by_role("link", name="Grace Okafor")).to_have_attribute(
        "href", "/staff/patients/P003"
    )
    # The first click only asks; nothing is stored until the named confirm button.
    confirm = row.get_by_role("button", name="Confirm Grace Okafor discharged")
    expect(confirm).to_be_hidden()
    row.get_by_text("Discharged…").click()
    assert appointment(clinic, appointment_id).discharged_at is None
    expect(confirm).to_be_visible()
    pressed = datetime.now(UTC)
    confirm.click()
    page.wait_for_url(f"{clinic.base}/staff/today")
    expect(page.get_by_role("status").first).to_contain_text("Undo until then sends nothing")
    appt = appointment(clinic, appointment_id)
    assert appt.discharged_at is not None and appt.discharged_at >= pressed - timedelta(seconds=1)
    sms = discharge_sms(clinic, appointment_id)
    assert sms.status == MessageStatus.PENDING
    assert sms.due_at == appt.discharged_at + timedelta(seconds=60)
    # The countdown runs from the page's script, and Undo names the patient.
    expect(row.locator(".undo-left")).to_contain_text("s to undo")
    screenshot(page, "today-undo")
    row.get_by_role("button", name="Undo Grace Okafor's discharge").click()
    page.wait_for_url(f"{clinic.base}/staff/today")
    expect(page.get_by_role("status").first).to_contain_text("discharge undone")
    expect(row.get_by_text("Discharged…")).to_be_visible()
    assert appointment(clinic, appointment_id).discharged_at is None
    after = discharge_sms(clinic, appointment_id)
    assert after.status == MessageStatus.PENDING and after.due_at == booked


def test_the_worklist_is_above_the_infusions(page: Page, clinic: Clinic) -> None:
    in_the_chair(clinic, "P003")
    page.goto(f"{clinic.base}/staff/today")
    worklist = page.get_by_role("heading", name="Worklist").bounding_box()
    infusions = page.get_by_role("heading", name="Infusions").bounding_box()
    assert worklist is not None and infusions is not None
    assert worklist["y"] < infusions["y"]
    screenshot(page, "today")
