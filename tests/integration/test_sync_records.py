"""Sync records as staff see them: the calendar sync page and GET /api/syncs, over real HTTP."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from followup.calendar.feeds import Feed, FeedOptions
from followup.calendar.importing import import_files, sync_feeds
from followup.db.models import SyncRun
from followup.protocol import Protocol
from followup.staff import add_staff, create_token
from followup.testing.feed_server import Answer, feed_server
from tests.integration.test_api import Api
from tests.integration.test_feeds import A1, WINDOW
from tests.integration.test_import import ROSTER, ics, write
from tests.integration.test_staff_web import PASSWORD, Site, serve

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def site(engine: Engine, protocol: Protocol) -> Iterator[Site]:
    add_staff(engine, "nurse@example.org", "clinician", PASSWORD, NOW)
    yield from serve(engine, protocol, "http://127.0.0.1")


def sync_some(engine: Engine, protocol: Protocol, tmp_path: Path) -> str:
    """A good file import and a feed answering 500; returns the feed's identity."""
    roster = write(tmp_path, "roster.csv", ROSTER)
    import_files(engine, protocol, WINDOW, roster, [write(tmp_path, "room.ics", ics(A1))])
    # Plain http on loopback is allowed; the server answers 500.
    with feed_server(None) as server:
        server.answer = Answer(status=500)
        feed = Feed.parse(server.url)
        [report] = sync_feeds(engine, protocol, WINDOW, [feed], FeedOptions(read_timeout=5))
    assert report.status == "failed"
    return feed.source


def test_the_sync_page_puts_failing_calendars_first_and_lists_history(
    site: Site, engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    feed = sync_some(engine, protocol, tmp_path)
    browser = site.browser()
    browser.sign_in("nurse@example.org", PASSWORD)
    status, _, page = browser.request("GET", "/staff/syncs")
    assert status == 200
    assert 'href="/staff/syncs"' in page  # in the nav
    banner = page.split('id="sync-failing"', 1)[1].split("</p>", 1)[0]
    assert "1 calendar failed at the last sync" in banner and feed in banner
    sources = page.split('id="sources"', 1)[1].split("</table>", 1)[0]
    assert sources.index(feed) < sources.index("ics:room.ics")  # failing first
    assert "HTTP 500" in sources and "private-" not in page
    history = page.split('id="history"', 1)[1]
    assert history.count("<tr class=") == 3  # roster, room.ics, the feed


def test_the_sync_page_escapes_what_it_shows(
    site: Site, engine: Engine, protocol: Protocol
) -> None:
    with Session(engine) as session:
        session.add(
            SyncRun(
                source="ics:<script>alert(1)</script>.ics",
                started_at=NOW,
                finished_at=NOW,
                status="failed",
                error="<img src=x onerror=alert(2)>",
            )
        )
        session.commit()
    browser = site.browser()
    browser.sign_in("nurse@example.org", PASSWORD)
    _, _, page = browser.request("GET", "/staff/syncs")
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert html.escape("<img src=x onerror=alert(2)>") in page


def test_the_sync_page_needs_a_signed_in_person(site: Site) -> None:
    status, headers, _ = site.browser().request("GET", "/staff/syncs")
    assert status == 303 and headers["location"].startswith("/staff/sign-in")


def test_api_syncs_pages_and_filters_sync_runs(
    site: Site, engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    feed = sync_some(engine, protocol, tmp_path)
    # Made now: a token made at NOW, in March, would have expired by any later run.
    token = create_token(engine, "monitoring", "nurse@example.org", datetime.now(UTC))
    api = Api(site.base, token)
    everything = api.get("/api/syncs")
    assert everything["total"] == 3 and everything["limit"] == 100
    assert [r["source"] for r in everything["items"]] == ["roster:roster.csv", "ics:room.ics", feed]
    failed = api.get("/api/syncs?status=failed")
    [run] = failed["items"]
    assert (run["source"], run["http_status"], run["error"]) == (feed, 500, "HTTP 500")
    assert run["started_at"].endswith("Z")
    page = api.get("/api/syncs?limit=1&offset=1")
    assert [r["source"] for r in page["items"]] == ["ics:room.ics"] and page["total"] == 3
    assert api.get(f"/api/syncs?source={feed}")["total"] == 1
    status, _ = Api(site.base, None).call("GET", "/api/syncs")
    assert status == 401
