"""The staff sections in a real Chromium: acknowledge an alert, look around (Discharged and
its Undo: tests/browser/test_today.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, col, select

from followup.alerts import CRITICAL, HIGH, raise_alert
from followup.db.models import Alert, Appointment, MessageStatus, Patient, ScheduledMessage
from followup.messages.render import Renderer
from followup.planning.scheduling import replan_patients
from followup.replies.handle import Inbound, handle
from followup.web.sections.common import ClinicClock
from tests.browser.conftest import CLINICIAN, Clinic, screenshot, sign_in
from tests.conftest import ROOT

CLINIC_NUMBER = "+14025550100"


def patient(clinic: Clinic, external_id: str) -> Patient:
    with Session(clinic.engine) as session:
        return session.exec(select(Patient).where(Patient.external_id == external_id)).one()


def alert(clinic: Clinic, external_id: str, severity: str, reason: str, ago: timedelta) -> int:
    with Session(clinic.engine) as session:
        who = session.exec(select(Patient).where(Patient.external_id == external_id)).one()
        raised = raise_alert(
            session,
            clinic.protocol,
            patient=who,
            inbound_message_id=None,
            severity=severity,
            reason=reason,
            now=datetime.now(UTC) - ago,
        )
        session.commit()
        return raised.id or 0


def in_the_chair(clinic: Clinic, external_id: str) -> int:
    """An infusion that started today (clinic time) and ends in half an hour."""
    now = datetime.now(UTC)
    start = max(now - timedelta(hours=1), ClinicClock(clinic.protocol.clinic.tz).day(now)[0])
    with Session(clinic.engine) as session:
        who = session.exec(select(Patient).where(Patient.external_id == external_id)).one()
        appt = Appointment(
            source="browser-test",
            source_uid=f"chair-{external_id}",
            patient_id=who.id or 0,
            start_at=start,
            end_at=now + timedelta(minutes=30),
            treatment="depression",
            created_at=now,
            updated_at=now,
        )
        session.add(appt)
        session.flush()
        replan_patients(session, [who.id or 0], clinic.protocol, now)
        session.commit()
        return appt.id or 0


def test_a_clinician_acknowledges_an_alert_with_a_note_and_it_moves_below_the_open_ones(
    browser: Browser, clinic: Clinic
) -> None:
    crisis = alert(clinic, "P001", CRITICAL, "crisis language (suicide)", timedelta(minutes=5))
    high = alert(clinic, "P002", HIGH, "mood score 2 of 10", timedelta(minutes=30))
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, clinic, CLINICIAN)
    page.goto(f"{clinic.base}/staff/alerts")
    cards = page.locator("section.alert")
    expect(cards.first).to_have_id(f"alert-{crisis}")  # critical on top
    card = page.locator(f"#alert-{crisis}")
    card.locator("textarea[name=note]").fill("Called Ana; safe with her partner tonight")
    card.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"{clinic.base}/staff/alerts")
    expect(page.get_by_role("status").first).to_contain_text("acknowledged")
    expect(cards.first).to_have_id(f"alert-{high}")  # the open one is now first
    moved = page.locator(f"#alert-{crisis}")
    expect(moved).to_have_class("alert acknowledged severity-critical crisis-row")
    expect(moved).to_contain_text("Acknowledged by nurse@example.org")
    expect(moved).to_contain_text("Called Ana; safe with her partner tonight")
    with Session(clinic.engine) as session:
        stored = session.get(Alert, crisis)
        assert stored is not None and stored.acknowledged_by == CLINICIAN
    screenshot(page, "alerts")
    context.close()


def test_the_alerts_page_reloads_for_a_new_alert_but_never_over_a_note(
    page: Page, clinic: Clinic
) -> None:
    first = alert(clinic, "P001", HIGH, "mood score 3 of 10", timedelta(minutes=10))
    page.goto(f"{clinic.base}/staff/alerts")
    note = page.locator(f"#alert-{first} textarea[name=note]")
    note.fill("Half-written note")
    second = alert(clinic, "P002", CRITICAL, "crisis language (self-harm)", timedelta(0))
    # The page polls every 20 s; call its check at once instead of waiting.
    page.evaluate("window.followupCheckAlerts()")
    expect(page.locator("#alerts-changed")).to_be_visible()
    expect(note).to_have_value("Half-written note")
    expect(page.locator(f"#alert-{second}")).to_have_count(0)
    note.fill("")
    page.locator("h1").click()  # nobody typing any more
    page.evaluate("window.followupCheckAlerts()")
    expect(page.locator(f"#alert-{second}")).to_be_visible()


def test_chest_pain_and_a_crisis_sit_above_older_and_newer_ordinary_replies(
    page: Page, clinic: Clinic
) -> None:
    renderer = Renderer(ROOT / "templates")
    now = datetime.now(UTC)
    ana, luis = patient(clinic, "P001"), patient(clinic, "P002")
    assert ana.phone is not None and luis.phone is not None
    for sid, sender, body, minutes in [
        ("SMo1", ana.phone, "Where do I park on Thursday?", 1),
        ("SMo2", luis.phone, "BP is 192 over 118 and I have a pounding headache", 120),
        ("SMo3", ana.phone, "I have the pills counted out for tonight", 60),
        ("SMo4", luis.phone, "Haven't thought about suicide in three weeks", 30),
        ("SMo5", luis.phone, "It burns when I pee and there's blood", 90),
    ]:
        handle(
            clinic.engine,
            clinic.protocol,
            renderer,
            Inbound(sid, sender, CLINIC_NUMBER, body),
            now - timedelta(minutes=minutes),
        )
    page.goto(f"{clinic.base}/staff/inbox")
    bodies = page.locator("table.inbox tbody td.body")
    expect(bodies).to_have_text(
        [
            "BP is 192 over 118 and I have a pounding headache",
            "I have the pills counted out for tonight",
            "It burns when I pee and there's blood",
            "Haven't thought about suicide in three weeks",
            "Where do I park on Thursday?",
        ]
    )
    badges = page.locator("table.inbox tbody .badge.urgency")
    # Emergency and crisis carry the ⚠ icon as well as their own colour.
    expect(badges).to_have_text(["⚠ emergency", "⚠ crisis", "urgent", "needs review"])
    expect(page.locator("table.inbox tbody tr").first).to_contain_text('("192 over 118")')  # why

    page.goto(f"{clinic.base}/staff/alerts")
    cards = page.locator("section.alert")
    expect(cards).to_have_count(3)  # no alert for the recovery, none for parking
    expect(cards.first).to_have_class("alert open severity-emergency crisis-row")
    expect(cards.first).to_contain_text("blood pressure")
    # The number to call heads the patient's card, a button big enough to tap.
    call = page.locator("article.patient-alerts").first.get_by_role(
        "link", name="Call (402) 555-0147"
    )
    expect(call).to_be_visible()
    screenshot(page, "alerts-emergency")


def test_the_inbox_and_upcoming_pages(page: Page, clinic: Clinic) -> None:
    renderer = Renderer(ROOT / "templates")
    now = datetime.now(UTC)
    ana, luis = patient(clinic, "P001"), patient(clinic, "P002")
    for sid, sender, body, minutes in [
        ("SMb1", ana.phone, "YES", 90),
        ("SMb2", luis.phone, "CALL", 60),
        ("SMb3", "+12125550199", "Hi, who is this?", 30),
        ("SMb4", ana.phone, "Feeling a bit dizzy <b>still</b>, is that normal?", 5),
    ]:
        assert sender is not None
        handle(
            clinic.engine,
            clinic.protocol,
            renderer,
            Inbound(sid, sender, CLINIC_NUMBER, body),
            now - timedelta(minutes=minutes),
        )
    page.goto(f"{clinic.base}/staff/inbox")
    expect(page.locator("table.inbox")).to_contain_text("Feeling a bit dizzy <b>still</b>")
    expect(page.locator("table.inbox b")).to_have_count(0)  # shown as text, never as markup
    expect(page.locator("table.inbox")).to_contain_text("unknown sender")
    expect(page.locator("table.inbox")).not_to_contain_text("YES")  # the queue: needs nobody
    screenshot(page, "inbox")
    page.locator("nav.views").get_by_role("link", name="All replies").click()
    expect(page).to_have_url(f"{clinic.base}/staff/inbox?view=all")
    expect(page.locator("table.inbox")).to_contain_text("YES")

    with Session(clinic.engine) as session:
        soonest = session.exec(
            select(ScheduledMessage)
            .where(
                ScheduledMessage.status == MessageStatus.PENDING, col(ScheduledMessage.due_at) > now
            )
            .order_by(col(ScheduledMessage.due_at))
        ).first()
    assert soonest is not None
    page.goto(f"{clinic.base}/staff/upcoming")
    row = page.locator(f"#message-{soonest.id}")
    expect(row).to_contain_text("pending")
    row.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"{clinic.base}/staff/upcoming")
    expect(row).to_contain_text("cancelled by admin@example.org")
    expect(row.get_by_role("button")).to_have_count(0)
    screenshot(page, "upcoming")
