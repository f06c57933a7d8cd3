"""Every staff page, signed in, with replies and alerts on file: axe-core finds no critical
or serious violation, at a desk's size and at a phone's, and a phone never scrolls sideways.

axe-core is the copy bundled in the `axe-playwright-python` wheel (no npm, no download);
it runs inside Debian's Chromium like any page script.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine
from sqlmodel import Session

from followup.core.phones import to_e164
from followup.messages.render import Renderer
from followup.protocol import Protocol
from followup.replies.handle import Inbound, handle
from tests.browser.conftest import Clinic, screenshot, sign_in
from tests.conftest import ROOT, SAMPLE
from tests.integration.scale_rows import course

CLINIC_NUMBER = "+14025550100"
DESK, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
PAGES = {
    "home": "/staff/",
    "today": "/staff/today",
    "inbox": "/staff/inbox",
    "alerts": "/staff/alerts",
    "patients": "/staff/patients",
    "patient": "/staff/patients/P001",
    "upcoming": "/staff/upcoming",
    "templates": "/staff/templates",
    "template": "/staff/templates/en/discharge/sms.txt",
    "syncs": "/staff/syncs",
    "people": "/staff/people",
    "tokens": "/staff/tokens",
    "password": "/staff/password",
}
# What patients text, in the shapes a clinic sees: a crisis, a medical emergency, the
# ordinary, a survey answer, an opt-out, a stranger.
REPLIES = (
    ("P001", "I want to kill myself tonight"),
    ("P002", "me duele el pecho y no puedo respirar"),
    ("P003", "Running 10 min late, sorry"),
    ("P001", "7"),
    ("P002", "ok gracias!"),
    ("P003", "STOP"),
    (None, "Hi, is this the clinic?"),
)
BLOCKING = {"critical", "serious"}
# The outermost elements that reach past the right edge: what to fix when a page is wide.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1
       && e.parentElement.getBoundingClientRect().right <= innerWidth + 1)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""


@pytest.fixture
def replies(clinic: Clinic, engine: Engine, protocol: Protocol) -> None:
    """The replies above, stored and processed as the webhook would (alerts raised)."""
    with (SAMPLE / "patients.csv").open() as roster:
        phones = {
            r["patient_id"]: to_e164(r["phone"], "US") for r in csv.DictReader(roster) if r["phone"]
        }
    renderer = Renderer(ROOT / "templates")
    for n, (patient, body) in enumerate(REPLIES):
        sender = phones[patient] if patient else "+12125550199"
        inbound = Inbound(f"SMaxe{n}", sender, CLINIC_NUMBER, body)
        handle(engine, protocol, renderer, inbound, datetime.now(UTC))


@pytest.fixture
def scales(clinic: Clinic, engine: Engine) -> None:
    """PHQ-9 and GAD-7 answered by Ana (the patient page walked) and by Grace, who is on
    Today's infusions every day: their charts, summaries and latest totals are walked too."""
    with Session(engine) as session:
        for patient in ("P001", "P003"):
            course(session, patient, datetime.now(UTC))
        session.commit()


@pytest.fixture
def signed_in(browser: Browser, clinic: Clinic, replies: None, scales: None) -> Iterator[Page]:
    context = browser.new_context(viewport=DESK)
    tab = context.new_page()
    sign_in(tab, clinic)
    yield tab
    context.close()


def blocking_violations(page: Page) -> list[str]:
    """axe-core's critical and serious findings on the page as it stands, one line each."""
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_every_staff_page_passes_axe_and_fits_a_phone(
    signed_in: Page, clinic: Clinic, size: str
) -> None:
    page = signed_in
    page.set_viewport_size(PHONE if size == "phone" else DESK)
    problems: dict[str, list[str]] = {}
    for name, path in PAGES.items():
        response = page.goto(clinic.base + path)
        assert response is not None and response.ok, (path, response and response.status)
        found = blocking_violations(page)
        if size == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide = page.evaluate(WIDE)
                found.append(f"scrolls sideways: {width} px wide at {PHONE['width']} px: {wide}")
        if found:
            problems[path] = found
        screenshot(page, f"a11y-{size}-{name}")
    assert problems == {}


def test_a_keyboard_reaches_the_page_past_the_header_and_the_navigation_says_where_it_is(
    signed_in: Page, clinic: Clinic
) -> None:
    page = signed_in
    page.goto(clinic.base + "/staff/inbox")
    current = page.locator("header nav a[aria-current=page]")
    assert current.count() == 1 and current.inner_text().startswith("Inbox")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to the page's content"
    assert skip.evaluate("e => getComputedStyle(e).outlineStyle") != "none"  # a visible ring
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert page.evaluate("document.activeElement.id") == "main"
