"""The template editor in a real Chromium: live preview as you type, save, roll back."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CLINICIAN, Clinic, screenshot, sign_in

SMS = "/staff/templates/en/reminder/sms.txt"


def type_at_end(page: Page, text: str) -> None:
    """Type as a person does, key by key, at the end of the template text."""
    page.locator("#body").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def submit(page: Page, button: str, done: str) -> None:
    """Press a form's button and wait for the page it leads back to."""
    with page.expect_navigation(url=f"**{SMS}?done={done}"):
        page.locator(button).click()


def test_an_admin_sees_a_typo_refused_live_fixes_it_saves_and_rolls_back(
    page: Page, clinic: Clinic
) -> None:
    page.goto(f"{clinic.base}/staff/templates")
    expect(page.locator("h1")).to_have_text("Message templates")
    screenshot(page, "templates-list")
    page.click(f'a[href="{SMS}"]')
    page.wait_for_url(f"**{SMS}")
    preview, segments, error = (
        page.locator("#preview-text"),
        page.locator("#segments"),
        page.locator("#preview-error"),
    )
    expect(segments).to_have_text(re.compile(r"^1 segment · GSM-7 · \d+ septets"))
    expect(preview).to_contain_text(
        "Lakeside Infusion Clinic: your appointment is today at 9:30 AM"
    )
    original = page.locator("#body").input_value()

    type_at_end(page, "\nSee you at {{ appointment_tiem }}.")

    expect(error).to_have_text("en/reminder/sms.txt.j2:2: 'appointment_tiem' is undefined")
    expect(preview).to_have_class(re.compile("is-stale"))
    screenshot(page, "template-editor-error")

    for _ in "tiem }}.":
        page.keyboard.press("Backspace")
    page.keyboard.type("time }}.")

    expect(error).to_be_hidden()
    expect(preview).to_contain_text("Reply STOP to opt out. See you at 9:30 AM.")
    expect(segments).to_have_text(re.compile(r"^2 segments · GSM-7 · \d+ septets \(153 per"))

    type_at_end(page, " 🙂")
    expect(segments).to_contain_text("UCS-2 because of: 🙂 (U+1F642)")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    expect(segments).to_have_text(re.compile(r"^2 segments · GSM-7"))

    submit(page, "#save-form button", "saved")
    expect(page.locator("[role=status]")).to_contain_text("Saved.")
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(preview).to_contain_text("See you at 9:30 AM.")
    screenshot(page, "template-editor")

    type_at_end(page, " Thank you.")
    submit(page, "#save-form button", "saved")
    expect(page.locator("#history tbody tr")).to_have_count(2)
    expect(preview).to_contain_text("See you at 9:30 AM. Thank you.")

    submit(page, "#history tbody tr:nth-child(2) >> text=Roll back to this", "rolled-back")
    expect(page.locator("#history tbody tr")).to_have_count(3)
    expect(preview).to_have_text(re.compile(r"See you at 9:30 AM\.$"))

    submit(page, "#reset", "reset")
    assert page.locator("#body").input_value() == original
    expect(preview).not_to_contain_text("See you at")


def test_the_html_email_previews_in_a_sandboxed_frame(page: Page, clinic: Clinic) -> None:
    page.goto(f"{clinic.base}/staff/templates/en/preparation/email_body.html")
    frame = page.locator("#preview-html")
    expect(frame).to_have_attribute("sandbox", "")
    expect(page.frame_locator("#preview-html").locator("body")).to_contain_text(
        "Lakeside Infusion Clinic"
    )


def test_a_clinician_previews_with_a_real_appointment_but_cannot_change_text(
    browser: Browser, clinic: Clinic
) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, clinic, CLINICIAN)
    page.goto(f"{clinic.base}{SMS}")
    expect(page.locator("#body")).to_have_attribute("readonly", "")
    expect(page.locator("#save-form button")).to_have_count(0)
    expect(page.locator("#preview-text")).to_contain_text("9:30 AM")
    upcoming = page.locator("#preview-context optgroup option")
    assert upcoming.count() > 0  # the sample calendar books infusions around now
    page.select_option("#preview-context", upcoming.first.get_attribute("value"))
    expect(page.locator("#preview-text")).not_to_contain_text("9:30 AM")
    context.close()


def test_no_page_breaks_its_own_content_security_policy(page: Page, clinic: Clinic) -> None:
    # The policy allows no inline script: a page that still had one would lose it silently.
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in (
        "/staff/",
        "/staff/alerts",
        "/staff/inbox",
        "/staff/today",
        "/staff/templates",
        "/staff/templates/en/preparation/email_body.html",
        "/staff/templates/en/preparation/sms.txt",
    ):
        page.goto(f"{clinic.base}{path}")
        page.wait_for_load_state("networkidle")
    assert refused == []
    # The editor's script (from /static) still runs: the live preview fills in.
    expect(page.locator("#preview-text")).not_to_be_empty()
