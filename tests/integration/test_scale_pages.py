"""Rating scales on the staff pages over real HTTP, signed in, on SQLite and PostgreSQL:
the patient page's charts, series summaries and administrations, and the latest totals on
Today, read in the same number of queries however many patients it lists."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, col

from followup.db.models import Patient
from followup.protocol import Protocol
from followup.staff import add_staff
from followup.web.scales import latest_lines
from followup.web.sections.common import ClinicClock
from tests.integration.scale_rows import (
    ASKING,
    EIGHT,
    GAD_4,
    GAD_11,
    NINETEEN,
    PRORATED_11,
    STOP,
    administration,
    patient,
    series,
)
from tests.integration.test_staff_web import PASSWORD, Browser, Site, serve

NURSE = "nurse@example.org"
SVG = "{http://www.w3.org/2000/svg}"
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
MINUS = "\u2212"


@dataclass
class Clinic:
    site: Site
    protocol: Protocol
    now: datetime

    def page(self, path: str) -> str:
        browser: Browser = self.site.browser()
        status, _, _ = browser.sign_in(NURSE, PASSWORD)
        assert status == 303
        status, _, page = browser.request("GET", path)
        assert status == 200, (path, status)
        return page

    def day(self, moment: datetime) -> str:
        local = moment.astimezone(self.protocol.clinic.tz)
        return f"{local.day} {local:%b %Y}"


def in_the_chair(protocol: Protocol, now: datetime) -> datetime:
    """A start today in clinic time, whatever the hour the suite runs."""
    return max(now - timedelta(minutes=30), ClinicClock(protocol.clinic.tz).day(now)[0])


def seed(engine: Engine, protocol: Protocol, now: datetime) -> None:
    """Marta: a series of five infusions, the last in the chair now, with PHQ-9 and GAD-7
    from 19 and 11 down to 8 and 4 (one prorated, one stopped, one unscored, one still
    being asked). Omar: in the chair too, never answered a scale. Nadia: not listed today."""
    with Session(engine) as session:
        marta = patient(session, "P9", "Marta", "Quiroga", now)
        omar = patient(session, "P8", "Omar", "Haddad", now)
        nadia = patient(session, "P7", "Nadia", "Petrova", now)
        starts = [now - n * DAY for n in (21, 19, 17, 14)] + [in_the_chair(protocol, now)]
        first, second, third, fourth, _ = series(session, marta, starts, now)
        series(session, omar, [in_the_chair(protocol, now)], now)
        administration(session, marta, first, "phq9", NINETEEN, now - 22 * DAY)
        administration(session, marta, first, "gad7", GAD_11, now - 22 * DAY)
        administration(session, marta, second, "phq9", PRORATED_11, now - 18 * DAY, unreadable=[0])
        stopped = (1, 2, 0, 1, None, None, None, None, None)
        administration(session, marta, third, "phq9", stopped, now - 16 * DAY, how=STOP)
        unscored = (1, 1, 1, 1, 1, 1, None, None, None)
        administration(
            session, marta, third, "phq9", unscored, now - 15 * DAY, unreadable=[6, 7, 8]
        )
        administration(session, marta, fourth, "phq9", EIGHT, now - 13 * DAY)
        administration(session, marta, fourth, "gad7", GAD_4, now - 13 * DAY)
        asking = (1, 1) + (None,) * 5
        administration(session, marta, fourth, "gad7", asking, now - HOUR, how=ASKING)
        nadia_series = series(session, nadia, [now - 9 * DAY], now)
        administration(session, nadia, nadia_series[0], "phq9", EIGHT, now - 10 * DAY)
        session.commit()


@pytest.fixture
def clinic(engine: Engine, protocol: Protocol) -> Iterator[Clinic]:
    now = datetime.now(UTC)
    seed(engine, protocol, now)
    add_staff(engine, NURSE, "clinician", PASSWORD, now)
    for site in serve(engine, protocol, "http://127.0.0.1"):
        yield Clinic(site, protocol, now)


def section(page: str) -> str:
    start = page.index('<section class="rating-scales"')
    return page[start : page.index("</section>", start)]


def charts(page: str) -> dict[str, ET.Element]:
    """The rating-scale SVGs, parsed (each must be well-formed on its own), by instrument."""
    found = re.findall(r'<svg\b[^>]*class="scale-chart[^"]*".*?</svg>', page, re.S)
    parsed = [ET.fromstring(svg) for svg in found]
    return {svg.get("data-instrument", ""): svg for svg in parsed}


def text(html: str) -> str:
    """What a reader sees of some HTML: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_patient_page_charts_each_scale_with_its_bands_points_and_infusions(
    clinic: Clinic,
) -> None:
    page = clinic.page("/staff/patients/P9")
    scales = section(page)
    # After the mood chart, before the infusions table.
    assert page.index("<h2>Mood and pain</h2>") < page.index('id="rating-scales"')
    assert page.index('id="rating-scales"') < page.index("<h2>Infusions</h2>")
    assert '<h3 id="scale-phq9">PHQ-9</h3>' in scales and '<h3 id="scale-gad7">GAD-7</h3>' in scales
    found = charts(page)
    assert set(found) == {"phq9", "gad7"}
    phq = found["phq9"]
    assert len(phq.findall(f".//{SVG}g[@class='band']")) == 5
    totals = [c.get("data-total") for c in phq.iter(f"{SVG}circle") if c.get("data-total")]
    assert totals == ["19", "11", "8"]  # the stopped and the unscored are not drawn
    [hollow] = [c for c in phq.iter(f"{SVG}circle") if "prorated" in c.get("class", "")]
    assert hollow.get("data-total") == "11"
    # Five infusions given so far, the one in the chair included.
    assert len(phq.findall(f".//{SVG}g[@class='infusion']")) == 5
    desc = phq.find(f"{SVG}desc")
    assert desc is not None and desc.text
    assert "PHQ-9 went from 19 (moderately severe) on " in desc.text
    assert "to 8 (mild) on " in desc.text and "1 prorated" in desc.text
    assert "Not plotted: stopped after 4 of 9 on " in desc.text
    assert "not scored: 6 of 9 answered, 3 unreadable" in desc.text
    gad_desc = found["gad7"].find(f"{SVG}desc")
    assert gad_desc is not None and gad_desc.text
    assert "in progress: 2 of 7 answered" in gad_desc.text
    # The same, for sighted readers, beside the chart.
    assert "Not on the chart (no total): stopped after 4 of 9, " in text(scales)


def test_the_series_summary_gives_baseline_latest_change_response_and_remission(
    clinic: Clinic,
) -> None:
    scales = section(clinic.page("/staff/patients/P9"))
    rows = re.findall(
        r'<table class="scale-summary" data-instrument="(\w+)">.*?<tbody>(.*?)</tbody>',
        scales,
        re.S,
    )
    summaries = {key: text(body) for key, body in rows}
    start = clinic.day(clinic.now - 21 * DAY)
    assert summaries["phq9"] == (
        f"depression, from {start} "
        f"19, moderately severe, {clinic.day(clinic.now - 22 * DAY)} "
        f"8, mild, {clinic.day(clinic.now - 13 * DAY)} "
        f"{MINUS}11 points ({MINUS}58 %) yes no"
    )
    assert summaries["gad7"] == (
        f"depression, from {start} "
        f"11, moderate, {clinic.day(clinic.now - 22 * DAY)} "
        f"4, minimal, {clinic.day(clinic.now - 13 * DAY)} "
        f"{MINUS}7 points ({MINUS}64 %) yes yes"
    )
    assert "response is a drop of at least 50 % from the baseline" in scales
    assert "remission a total below 5" in scales


def test_with_only_a_baseline_response_and_remission_wait(clinic: Clinic) -> None:
    scales = section(clinic.page("/staff/patients/P7"))
    [body] = re.findall(r"<tbody>(.*?)</tbody>", scales.split("scale-summary", 1)[1], re.S)[:1]
    assert text(body).endswith(
        "8, mild, " + clinic.day(clinic.now - 10 * DAY) + " only the baseline so far — — —"
    )
    assert "GAD-7" not in scales  # no chart for a scale never answered


def test_every_administration_is_listed_with_its_answers_on_demand(clinic: Clinic) -> None:
    scales = section(clinic.page("/staff/patients/P9"))
    table = scales[scales.index('<table class="scale-administrations" data-instrument="phq9"') :]
    table = table[: table.index("</table>")]
    statuses = re.findall(r'<tr data-status="([\w-]+)">', table)
    assert statuses == [
        "completed",
        "completed",
        "stopped",
        "completed",
        "completed",
    ]  # newest first
    readable = text(table)
    for result in (
        "8, mild",
        "not scored: 6 of 9 answered, 3 unreadable",
        "stopped after 4 of 9",
        "11, moderate (prorated from 8 of 9 items)",
        "19, moderately severe",
    ):
        assert result in readable
    # The baseline's item 9 was "several days": named beside its result, not only inside.
    baseline_row = table[table.rindex("<tr ") :]
    assert '<span class="badge bad">crisis answer, item 9: 1 (several days)</span>' in baseline_row
    assert table.count("crisis answer") == 1
    # Item wording and answers sit in a closed <details>, one per administration.
    assert table.count("<details>") == 5 and "<details open" not in table
    first_item = clinic.protocol.instruments["phq9"].items[0].text["en"]
    assert f"{first_item}: 3 (nearly every day)" in readable
    assert f"{first_item}: unreadable" in readable
    assert "not answered" in readable


def test_a_patient_who_never_answered_a_scale_is_told_so(clinic: Clinic) -> None:
    scales = section(clinic.page("/staff/patients/P8"))
    assert "No PHQ-9 or GAD-7 answered yet." in scales and "<svg" not in scales


def test_today_shows_each_listed_patients_latest_total_and_change_from_baseline(
    clinic: Clinic,
) -> None:
    page = clinic.page("/staff/today")
    marta = page[page.index("<strong>Marta Quiroga</strong>") :]
    marta = marta[: marta.index("</td>")]
    assert f'<span class="scale-latest">PHQ-9 8, mild, {MINUS}11 from baseline</span>' in marta
    assert f'<span class="scale-latest">GAD-7 4, minimal, {MINUS}7 from baseline</span>' in marta
    omar = page[page.index("<strong>Omar Haddad</strong>") :]
    assert "scale-latest" not in omar[: omar.index("</td>")]
    assert "Nadia" not in page


def count_queries(engine: Engine, clinic: Clinic, path: str) -> int:
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        clinic.page(path)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return len(statements)


def test_today_reads_the_scales_of_all_listed_patients_at_once(
    clinic: Clinic, engine: Engine, protocol: Protocol
) -> None:
    before = count_queries(engine, clinic, "/staff/today")
    with Session(engine) as session:
        for n in range(6):
            more = patient(session, f"Q{n}", "Extra", f"Patient{n}", clinic.now)
            [chair] = series(session, more, [in_the_chair(protocol, clinic.now)], clinic.now)
            administration(session, more, chair, "phq9", NINETEEN, clinic.now - DAY)
            administration(session, more, chair, "gad7", GAD_11, clinic.now - DAY)
        session.commit()
    page = clinic.page("/staff/today")
    assert page.count('<span class="scale-latest">') == 2 + 12
    assert count_queries(engine, clinic, "/staff/today") == before


def test_today_lines_only_for_patients_the_staff_member_sees(
    clinic: Clinic, engine: Engine
) -> None:
    """The page passes its location scope on: a patient of another location has no line,
    even if their id were asked for."""
    listed = ["P9", "P7"]
    everyone = latest_lines(engine, clinic.protocol, listed, clinic.now)
    assert set(everyone) == {"P9", "P7"}
    elsewhere = col(Patient.location) == "somewhere-else"
    assert latest_lines(engine, clinic.protocol, listed, clinic.now, elsewhere) == {}
