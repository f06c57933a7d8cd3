"""A nurse's shift in a real Chromium (issue 23): a crisis arrives while she is on Today."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from followup.db.models import Alert, InboundMessage, Patient
from followup.messages.render import Renderer
from followup.replies.handle import Inbound, handle
from tests.browser.conftest import CLINICIAN, Clinic, screenshot, sign_in
from tests.conftest import ROOT

CLINIC_NUMBER = "+14025550100"
POLL_MS = 16_000  # the pages ask every 15 s
SIZES = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def fits(page: Page, size: str) -> None:
    """The page needs no sideways scrolling at this size."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], f"{page.url} is {width} px wide on a {size}"


def text_in(clinic: Clinic, external_id: str, body: str, sid: str) -> tuple[int, int]:
    """A patient's SMS through the real pipeline; its message id and its alert's id."""
    with Session(clinic.engine) as session:
        phone = session.exec(select(Patient.phone).where(Patient.external_id == external_id)).one()
    assert phone
    handle(
        clinic.engine,
        clinic.protocol,
        Renderer(ROOT / "templates"),
        Inbound(sid, phone, CLINIC_NUMBER, body),
        datetime.now(UTC),
    )
    with Session(clinic.engine) as session:
        message = session.exec(
            select(InboundMessage).where(InboundMessage.provider_sid == sid)
        ).one()
        alert = session.exec(select(Alert).where(Alert.inbound_message_id == message.id)).one()
        return message.id or 0, alert.id or 0


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_a_crisis_reaches_a_nurse_on_today_and_acknowledging_it_clears_the_inbox(
    browser: Browser, clinic: Clinic, size: str
) -> None:
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    sign_in(page, clinic, CLINICIAN)
    page.goto(f"{clinic.base}/staff/today")
    banner = page.locator("#crisis-banner")
    expect(banner).to_be_hidden()
    message_id, alert_id = text_in(clinic, "P001", "I want to kill myself tonight", "SMcrisis")
    # Within one poll, without reloading: banner, navigation count and title.
    expect(banner).to_be_visible(timeout=POLL_MS)
    expect(banner).to_contain_text("1 crisis open")
    expect(page.locator("#nav-alerts")).to_contain_text("⚠")
    assert page.title().startswith("(⚠ 1) ")
    screenshot(page, f"crisis-banner-on-today-{size}")
    fits(page, size)
    page.locator("#crisis-link").click()  # one click opens the alert
    page.wait_for_url(f"{clinic.base}/staff/alerts#alert-{alert_id}")
    card = page.locator(f"#alert-{alert_id}")
    expect(card).to_be_visible()
    fits(page, size)
    note = card.locator("textarea[name=note]")
    note.fill("Calling her now; partner is with her")
    # A chest-pain reply arrives while the note is half-written: both polls run, the note stays.
    text_in(clinic, "P002", "Chest pain and my heart is racing", "SMchest")
    expect(page.locator("#crisis-banner")).to_contain_text("emergency", timeout=POLL_MS)
    expect(page.locator("#alerts-changed")).to_be_visible(timeout=POLL_MS)
    expect(note).to_have_value("Calling her now; partner is with her")
    card.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"{clinic.base}/staff/alerts")
    page.goto(f"{clinic.base}/staff/inbox")
    expect(page.locator(f"#message-{message_id}")).to_have_count(0)  # one item, one state
    fits(page, size)
    page.goto(f"{clinic.base}/staff/inbox?view=all")
    expect(page.locator(f"#message-{message_id}")).to_contain_text("Calling her now")
    context.close()
