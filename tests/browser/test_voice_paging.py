"""Calls to on-call in a real Chromium: an admin's test call from the Staff page, and the
alert card telling who was called, what became of each call and who took it by phone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from followup.protocol import Protocol
from followup.staff import add_staff
from tests.browser.conftest import ADMIN, PASSWORD, screenshot
from tests.browser.test_accessibility import BLOCKING, blocking_violations
from tests.integration.voice_clinic import CRISIS, Clinic, serve_clinic, voice_protocol

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def clinic(engine: Engine, protocol: Protocol) -> Iterator[Clinic]:
    add_staff(engine, ADMIN, "admin", PASSWORD, datetime.now(UTC))
    yield from serve_clinic(engine, voice_protocol(protocol))


@pytest.fixture
def page(browser: Browser, clinic: Clinic) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)  # the screen a paged doctor has
    tab = context.new_page()
    tab.goto(f"{clinic.base}/staff/sign-in")
    tab.fill("input[name=email]", ADMIN)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{clinic.base}/staff/**")
    yield tab
    context.close()


def test_an_admin_test_calls_an_on_call_person_and_sees_the_keypress(
    page: Page, clinic: Clinic
) -> None:
    clinic.fake.calls.script(clinic.second, "human", digits="1")
    page.goto(f"{clinic.base}/staff/people")
    row = page.locator(f'li[data-on-call="{clinic.second_name}"]')
    expect(row.locator(".last-test")).to_have_text("Last test call: never")
    row.get_by_role("button", name=f"Test call to {clinic.second_name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Calling {clinic.second_name} now")
    [call] = clinic.calls_to(clinic.second, seconds=10)
    assert call.ended.wait(15) and call.keys == ["1"]
    page.reload()
    expect(row.locator(".last-test")).to_contain_text("confirmed (pressed 1)")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert blocking_violations(page) == []
    assert clinic.fake.calls.calls_to(clinic.first) == []  # only the person asked for
    screenshot(page, "voice-test-call-phone")


def test_the_alert_card_shows_each_call_and_who_took_the_alert_by_phone(
    page: Page, clinic: Clinic
) -> None:
    clinic.fake.calls.script(clinic.first, "no-answer")
    clinic.fake.calls.script(clinic.second, "human", digits="1")
    clinic.sms(CRISIS)
    [second] = clinic.calls_to(clinic.second)
    assert second.ended.wait(15)
    page.goto(f"{clinic.base}/staff/alerts")
    card = page.locator("section.alert").first
    expect(card.locator(".acknowledged-by")).to_contain_text(
        f"Acknowledged by {clinic.second_name} by phone call"
    )
    card.locator("details.paging summary").click()  # closed once the alert is taken
    calls = card.locator('li.attempt[data-channel="phone call"]')
    expect(calls).to_have_count(2)
    expect(calls.nth(0)).to_contain_text(f"phone call to {clinic.first_name}: no answer")
    expect(calls.nth(1)).to_contain_text(f"to {clinic.second_name}: acknowledged (pressed 1)")
    expect(card.locator('li.attempt[data-channel="SMS"]')).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    # What this feature adds; the faded acknowledged card's own greys are issue 23's.
    found = Axe().run(page, context={"include": [["details.paging"], [".acknowledged-by"]]})
    assert [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in found.response["violations"]
        if v["impact"] in BLOCKING
    ] == []
    screenshot(page, "voice-alert-card-phone")
