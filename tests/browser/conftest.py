"""Staff pages in a real headless Chromium (Debian's), driven by Playwright.

`playwright install` is never run: the browser is /usr/bin/chromium. Screenshots of each
page land in test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy import Engine

from followup.calendar.importing import ImportWindow, import_files
from followup.protocol import Protocol
from followup.settings import Settings
from followup.staff import add_staff
from followup.testing.web import serving
from followup.web.app import create_app
from tests.conftest import ROOT, SAMPLE, SCREENSHOTS, url_of

CHROMIUM = Path(os.environ.get("FOLLOWUP_CHROMIUM", "/usr/bin/chromium"))
ADMIN, CLINICIAN, PASSWORD = "admin@example.org", "nurse@example.org", "correct horse battery"
# Flags a closed network needs: without them Chromium keeps dialling Google's services.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
    yield chromium
    chromium.close()


@dataclass
class Clinic:
    """A running web app on a seeded database: the sample roster and a calendar around now."""

    base: str
    engine: Engine
    protocol: Protocol


@pytest.fixture
def clinic(engine: Engine, protocol: Protocol) -> Iterator[Clinic]:
    """The staff pages on each database: SQLite and PostgreSQL (`engine` is parametrised)."""
    now = datetime.now(UTC)
    import_files(
        engine,
        protocol,
        ImportWindow(now, timedelta(days=8), timedelta(days=30)),
        SAMPLE / "patients.csv",
        [SAMPLE / "infusions.ics"],
    )
    add_staff(engine, ADMIN, "admin", PASSWORD, now)
    add_staff(engine, CLINICIAN, "clinician", PASSWORD, now)
    settings = Settings(
        database_url=url_of(engine),
        secret_key="browser-tests-secret-0123456789abcdef",
        templates_dir=ROOT / "templates",
    )  # type: ignore[arg-type]
    with serving(create_app(settings, engine, protocol)) as base:
        yield Clinic(base, engine, protocol)


def sign_in(page: Page, clinic: Clinic, email: str = ADMIN) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{clinic.base}/staff/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{clinic.base}/staff/**")


@pytest.fixture
def page(browser: Browser, clinic: Clinic) -> Iterator[Page]:
    """A signed-in admin's page."""
    context = browser.new_context()
    tab = context.new_page()
    sign_in(tab, clinic)
    yield tab
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Keep what the page looked like, for people reviewing the run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
