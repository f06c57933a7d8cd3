"""In Chromium, a nurse of Omaha signed in through the form finds nothing of London's
patient: not in the lists, not by her address, not by search."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine

from followup.protocol import parse_protocol
from followup.settings import Settings
from followup.staff import add_staff
from followup.testing.web import serving
from followup.web.app import create_app
from tests.browser.conftest import PASSWORD, Clinic, screenshot, sign_in
from tests.conftest import ROOT, url_of
from tests.integration.test_location_scope import OMAHA_NURSE, Ids, seed
from tests.integration.test_network import NETWORK, network_protocol_text


@pytest.fixture
def network(engine: Engine, tmp_path: Path) -> Iterator[tuple[Clinic, Ids]]:
    shutil.copy(NETWORK / "roster.csv", tmp_path / "roster.csv")
    protocol = parse_protocol(network_protocol_text())
    ids = seed(engine, protocol, tmp_path)
    add_staff(
        engine,
        OMAHA_NURSE,
        "clinician",
        PASSWORD,
        datetime.now(UTC),
        locations=frozenset({"omaha"}),
    )
    settings = Settings(
        database_url=url_of(engine),
        secret_key="browser-tests-secret-0123456789abcdef",
        templates_dir=ROOT / "templates",
    )  # type: ignore[arg-type]
    with serving(create_app(settings, engine, protocol)) as base:
        yield Clinic(base, engine, protocol), ids


@pytest.fixture
def nurse(browser: Browser, network: tuple[Clinic, Ids]) -> Iterator[Page]:
    context = browser.new_context()
    tab = context.new_page()
    sign_in(tab, network[0], OMAHA_NURSE)
    yield tab
    context.close()


def test_omahas_nurse_finds_nothing_of_londons_patient_in_the_browser(
    nurse: Page, network: tuple[Clinic, Ids]
) -> None:
    clinic, ids = network
    for path in ("/staff/", "/staff/today", "/staff/inbox?view=all", "/staff/alerts",
                 "/staff/patients", "/staff/upcoming"):  # fmt: skip
        nurse.goto(clinic.base + path)
        text = nurse.locator("main").inner_text()
        assert "Olivia" not in text and "Hughes" not in text, path
    # Her own location's patient and crisis are there.
    nurse.goto(clinic.base + "/staff/alerts")
    assert "Ana" in nurse.locator("main").inner_text()
    response = nurse.goto(f"{clinic.base}/staff/patients/{ids.external_id}")
    assert response is not None and response.status == 404
    assert "Olivia" not in nurse.content()
    screenshot(nurse, "location-scope-404")
    nurse.goto(clinic.base + "/staff/patients")
    nurse.fill("input[name=q]", "Hughes")
    nurse.keyboard.press("Enter")
    nurse.wait_for_load_state()
    assert "Olivia" not in nurse.locator("main").inner_text()
