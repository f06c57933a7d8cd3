from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.browser.conftest import CLINICIAN, PASSWORD, Clinic, screenshot, sign_in


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
    assert page.locator("main [role=alert]").inner_text() == "Wrong email or password."


def test_signing_out_on_one_computer_signs_the_person_out_on_every_other(
    browser: Browser, clinic: Clinic
) -> None:
    desk, phone = browser.new_context(), browser.new_context()
    at_desk, on_phone = desk.new_page(), phone.new_page()
    sign_in(at_desk, clinic, CLINICIAN)
    sign_in(on_phone, clinic, CLINICIAN)
    at_desk.click("text=Sign out")
    at_desk.wait_for_url("**/staff/sign-in")
    on_phone.goto(f"{clinic.base}/staff/inbox")
    assert "/staff/sign-in" in on_phone.url
    assert on_phone.locator("h1").inner_text() == "Sign in"
    desk.close()
    phone.close()


def test_a_person_changes_their_own_password_and_stays_signed_in(
    browser: Browser, clinic: Clinic
) -> None:
    context, other = browser.new_context(), browser.new_context()
    page, elsewhere = context.new_page(), other.new_page()
    sign_in(page, clinic, CLINICIAN)
    sign_in(elsewhere, clinic, CLINICIAN)
    page.click(f"header >> text={CLINICIAN}")
    page.wait_for_url(f"{clinic.base}/staff/password")
    form = page.locator("#change-password")
    form.locator("input[name=current]").fill(PASSWORD)
    form.locator("input[name=new]").fill("Password2024!")
    form.locator("button[type=submit]").click()
    assert "too easy to guess" in page.locator("main [role=alert]").inner_text()
    form = page.locator("#change-password")
    form.locator("input[name=current]").fill(PASSWORD)
    form.locator("input[name=new]").fill("four unrelated words here")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/staff/password?changed=1")
    assert "Your password is changed" in page.locator("[role=status]").inner_text()
    screenshot(page, "password-changed")
    page.goto(f"{clinic.base}/staff/today")
    assert page.url.endswith("/staff/today")  # this browser: still signed in
    elsewhere.goto(f"{clinic.base}/staff/today")
    assert "/staff/sign-in" in elsewhere.url  # the other: signed out
    context.close()
    other.close()
