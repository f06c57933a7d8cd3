"""The public sign-up page and the email unsubscribe page in Debian's Chromium: axe-core
finds no critical or serious violation at a desk's size or a phone's, in English and
Spanish, nothing scrolls sideways, and a person signing up is recorded with exactly the
text the page showed them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from sqlmodel import Session, select

from followup.consent.unsubscribe import unsubscribe_token
from followup.db.models import ConsentDisclosure, ConsentRecord, Patient
from tests.browser.conftest import Clinic, screenshot
from tests.browser.test_accessibility import DESK, PHONE, WIDE, blocking_violations

SECRET = "browser-tests-secret-0123456789abcdef"  # the clinic fixture's key
SIZES = {"desk": DESK, "phone": PHONE}


@pytest.fixture
def visitor(browser: Browser) -> Iterator[Page]:
    """Nobody signed in: a patient on the clinic's website."""
    context = browser.new_context(viewport=DESK)
    yield context.new_page()
    context.close()


def problems_at(page: Page, size: str) -> list[str]:
    page.set_viewport_size(SIZES[size])
    found = blocking_violations(page)
    if size == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            found.append(f"scrolls sideways: {width} px: {page.evaluate(WIDE)}")
    return found


@pytest.mark.parametrize("size", ["desk", "phone"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_sign_up_page_passes_axe_and_fits_a_phone_with_its_error_shown_too(
    visitor: Page, clinic: Clinic, size: str, lang: str
) -> None:
    response = visitor.goto(f"{clinic.base}/optin?lang={lang}")
    assert response is not None and response.status == 200
    assert visitor.get_attribute("html", "lang") == lang
    assert problems_at(visitor, size) == []
    screenshot(visitor, f"optin-{lang}-{size}")
    # Sent without the box ticked: the error is announced and the page still passes.
    visitor.fill("#optin-phone", "(402) 555-0134")
    visitor.click("button[type=submit]")
    assert visitor.locator("#optin-error[role=alert]").is_visible()
    assert problems_at(visitor, size) == []
    screenshot(visitor, f"optin-{lang}-{size}-error")


def test_a_person_signs_up_with_the_box_they_tick_and_the_text_they_read_is_stored(
    visitor: Page, clinic: Clinic
) -> None:
    visitor.goto(f"{clinic.base}/optin")
    box = visitor.locator("#optin-consent")
    assert not box.is_checked()  # never ticked for them
    shown = " ".join(visitor.inner_text("#optin-disclosure").split())
    visitor.fill("#optin-phone", "(402) 555-0134")
    visitor.get_by_label("I agree to receive text messages", exact=False).check()
    visitor.click("button[type=submit]")
    assert visitor.locator("#done-title").inner_text() == "Thank you"
    assert problems_at(visitor, "phone") == []
    with Session(clinic.engine) as session:
        ana = session.exec(select(Patient).where(Patient.external_id == "P001")).one()
        record = session.exec(select(ConsentRecord).where(ConsentRecord.source == "web_form")).one()
        stored = session.get(ConsentDisclosure, record.disclosure_version)
    assert record.patient_id == ana.id and record.given
    assert stored is not None and stored.text == shown


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_unsubscribe_page_passes_axe_and_stops_the_emails(
    visitor: Page, clinic: Clinic, size: str
) -> None:
    with Session(clinic.engine) as session:
        ana = session.exec(select(Patient).where(Patient.external_id == "P001")).one()
    visitor.goto(f"{clinic.base}/unsubscribe/email/{unsubscribe_token(SECRET, ana.id or 0)}")
    assert problems_at(visitor, size) == []
    visitor.click("button[type=submit]")
    assert visitor.locator("#unsub-done").is_visible()
    assert problems_at(visitor, size) == []
    with Session(clinic.engine) as session:
        assert session.get(Patient, ana.id).email_consent is False  # type: ignore[union-attr]
