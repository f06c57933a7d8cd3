"""The rating-scale chart as Chromium draws it: bands and points on screen, inside the
plot, at a desk's size and a phone's; the patient page passes axe with it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine
from sqlmodel import Session

from tests.browser.conftest import Clinic, sign_in
from tests.browser.test_accessibility import DESK, PHONE, WIDE, blocking_violations
from tests.conftest import SCREENSHOTS
from tests.integration.scale_rows import course

Box = dict[str, float]


@pytest.fixture
def patient_page(browser: Browser, clinic: Clinic, engine: Engine) -> Iterator[Page]:
    """Ana's page, signed in, with a PHQ-9 and GAD-7 course on file."""
    with Session(engine) as session:
        course(session, "P001", datetime.now(UTC))
        session.commit()
    context = browser.new_context(viewport=DESK)
    tab = context.new_page()
    sign_in(tab, clinic)
    tab.goto(f"{clinic.base}/staff/patients/P001")
    yield tab
    context.close()


def box(page: Page, selector: str) -> list[Box]:
    """The on-screen boxes of every element matching `selector`."""
    found = []
    for element in page.locator(selector).all():
        measured = element.bounding_box()
        assert measured is not None, f"{selector} is not rendered"
        found.append(dict(measured))
    return found


def inside(inner: Box, outer: Box, slack: float = 1.0) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_chart_draws_its_bands_and_points_inside_the_plot(
    patient_page: Page, size: str
) -> None:
    page = patient_page
    viewport = PHONE if size == "phone" else DESK
    page.set_viewport_size(viewport)
    chart = "svg.scale-chart[data-instrument=phq9]"
    [svg] = box(page, chart)
    assert svg["width"] > 300 and svg["height"] > 100
    assert svg["x"] + svg["width"] <= viewport["width"]
    stripes = box(page, f"{chart} g.band > rect:first-child")
    assert len(stripes) == 5
    assert all(s["height"] > 5 and s["width"] > 100 and inside(s, svg) for s in stripes)
    # Stacked, most severe on top, with no gap between them.
    ordered = sorted(stripes, key=lambda s: s["y"])
    for upper, lower in pairwise(ordered):
        assert lower["y"] == pytest.approx(upper["y"] + upper["height"], abs=1)
    points = box(page, f"{chart} circle.point")
    assert len(points) == 3  # 19, 11 (prorated), 8: the stopped one is not drawn
    plot = {
        "x": ordered[0]["x"],
        "y": ordered[0]["y"],
        "width": ordered[0]["width"],
        "height": sum(s["height"] for s in ordered),
    }
    assert all(p["width"] > 4 and inside(p, plot, slack=8) for p in points)
    # Their heights follow the totals: 19 above 11 above 8.
    assert points[0]["y"] < points[1]["y"] < points[2]["y"]
    hollow = page.locator(f"{chart} circle.point.prorated")
    assert hollow.evaluate("c => getComputedStyle(c).fill") == "rgb(255, 255, 255)"
    labels = page.locator(f"{chart} g.band text").all_text_contents()
    assert "moderately severe" in labels and "15\u201319" in labels
    assert len(box(page, "svg.scale-chart[data-instrument=gad7] circle.point")) == 2
    # The section alone, for people and for `make screenshots` (docs/screenshots/).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("section.rating-scales").screenshot(path=SCREENSHOTS / f"scales-{size}.png")


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_patient_page_with_scales_passes_axe_and_fits_a_phone(
    patient_page: Page, size: str
) -> None:
    page = patient_page
    page.set_viewport_size(PHONE if size == "phone" else DESK)
    # The answers are read too: open every administration's items.
    for summary in page.locator("section.rating-scales details > summary").all():
        summary.click()
    found = blocking_violations(page)
    if size == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            found.append(f"scrolls sideways: {width} px: {page.evaluate(WIDE)}")
    assert found == []
