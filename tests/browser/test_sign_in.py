from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.browser.conftest import PASSWORD, Clinic, screenshot, sign_in


def test_a_person_signs_in_and_out_in_the_browser(browser: Browser, clinic: Clinic) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{clinic.base}/staff/")
    assert "/staff/sign-in" in page.url  # sent to sign in first
    screenshot(page, "sign-in")
    sign_in(page, clinic)
    assert page.locator("h1").inner_text() == "Lakeside Infusion Clinic"
    assert "admin@example.org" in page.locator("header").inner_text()
    screenshot(page, "home")
    page.click("text=Sign out")
    page.wait_for_url("**/staff/sign-in")
    page.goto(f"{clinic.base}/staff/")
    assert "/staff/sign-in" in page.url
    context.close()


def test_a_wrong_password_shows_why_in_the_browser(browser: Browser, clinic: Clinic) -> None:
    page: Page = browser.new_context().new_page()
    page.goto(f"{clinic.base}/staff/sign-in")
    page.fill("input[name=email]", "admin@example.org")
    page.fill("input[name=password]", PASSWORD + "x")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Wrong email or password."
