"""An admin adds a person on the staff page in Chromium, and that person signs in."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.browser.conftest import CLINICIAN, Clinic, screenshot


def test_an_admin_adds_a_person_through_the_form(
    page: Page, browser: Browser, clinic: Clinic
) -> None:
    page.click("header nav >> text=Staff")
    page.wait_for_url(f"{clinic.base}/staff/people")
    assert page.locator("h1").inner_text() == "Staff"
    assert page.locator(f'tr[data-staff="{CLINICIAN}"] td.role').inner_text() == "clinician"

    form = page.locator("#add-person")
    form.locator("input[name=email]").fill("Pat.Lee@Example.org")
    form.locator("select[name=role]").select_option("clinician")
    form.locator("button[type=submit]").click()  # no password typed: one is generated

    page.wait_for_selector("#new-password")
    password = page.locator("#new-password").inner_text()
    assert len(password) >= 12
    assert "shown only this once" in page.locator("[role=status]").inner_text()
    row = page.locator('tr[data-staff="pat.lee@example.org"]')
    assert row.locator("td.role").inner_text() == "clinician"
    assert row.locator("td.last-sign-in").inner_text() == "never"
    screenshot(page, "staff")

    # The new person signs in with what the admin handed over.
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(f"{clinic.base}/staff/sign-in")
    tab.fill("input[name=email]", "pat.lee@example.org")
    tab.fill("input[name=password]", password)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{clinic.base}/staff/")
    assert "pat.lee@example.org (clinician)" in tab.locator("header").inner_text()
    assert 'href="/staff/people"' not in tab.content()
    context.close()
