"""The sync page names each event a sync could not use, with its start and the reason;
kept with the run, bounded, without an event's summary. Over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.calendar.importing import import_files
from followup.calendar.problems import KEPT, decode
from followup.db.models import SyncRun
from followup.protocol import Protocol
from followup.staff import add_staff
from tests.integration.test_feeds import A1, WINDOW
from tests.integration.test_import import ROSTER, event, ics, write
from tests.integration.test_staff_web import PASSWORD, Site, serve
from tests.integration.test_sync_records import NOW

STRANGER = event("b7", "20260312T150000Z", "20260312T163000Z", patient="P404")
NO_UID = (
    "BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260313T150000Z\r\n"
    "DTEND:20260313T160000Z\r\nSUMMARY:Infusion Zelda Quartermaine\r\nEND:VEVENT\r\n"
)


@pytest.fixture
def site(engine: Engine, protocol: Protocol) -> Iterator[Site]:
    add_staff(engine, "nurse@example.org", "clinician", PASSWORD, NOW)
    yield from serve(engine, protocol, "http://127.0.0.1")


def test_the_sync_page_lists_each_unused_event_with_its_start_and_reason(
    site: Site, engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER)
    room = write(tmp_path, "room.ics", ics(A1, STRANGER, NO_UID))
    import_files(engine, protocol, WINDOW, roster, [room])
    browser = site.browser()
    browser.sign_in("nurse@example.org", PASSWORD)
    status, _, page = browser.request("GET", "/staff/syncs")
    assert status == 200
    sources = page.split('id="sources"', 1)[1].split("</table>", 1)[0]
    assert 'href="#problems-' in sources  # the count leads to the list
    listed = page.split('class="sync-problems"', 1)[1].split("</section>", 1)[0]
    assert "ics:room.ics: 2 events not used at the last sync" in listed
    row = listed.split('<td class="ref">b7</td>', 1)[1].split("</tr>", 1)[0]
    assert "Thu 12 Mar 2026 10:00 CDT" in row  # its start, in clinic time
    assert "patient id &#39;P404&#39; is not in the roster" in row
    assert "(no UID) 2026-03-13" in listed and "event has no UID" in listed
    assert "Zelda" not in page  # an event's summary may name a patient: never kept


def test_a_run_keeps_the_first_problems_and_counts_them_all(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    strangers = [
        event(f"s{n}", "20260312T150000Z", "20260312T163000Z", patient=f"X{n}")
        for n in range(KEPT + 25)
    ]
    roster = write(tmp_path, "roster.csv", ROSTER)
    import_files(engine, protocol, WINDOW, roster, [write(tmp_path, "big.ics", ics(*strangers))])
    with Session(engine) as session:
        run = session.exec(select(SyncRun).where(SyncRun.source == "ics:big.ics")).one()
    kept = decode(run.problems)
    assert run.rejected == KEPT + 25 and len(kept) == KEPT
    assert kept[0].ref == "s0" and kept[0].start is not None
    assert kept[0].reason == "patient id 'X0' is not in the roster"
