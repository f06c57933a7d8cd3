"""Calendar feeds against a real HTTPS server on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from followup.calendar.feeds import Feed, FeedOptions
from followup.calendar.importing import FeedReport, ImportWindow, import_files, sync_feeds
from followup.calendar.sync import SyncStatus, lock_key
from followup.db.models import Appointment, FeedState, MessageStatus, ScheduledMessage, SyncRun
from followup.protocol import Protocol
from followup.settings import Settings
from followup.testing.feed_server import Answer, FeedServer, feed_server
from followup.testing.tls import openssl_available, self_signed_certificate, server_context
from followup.worker import sync_sources
from tests.integration.test_import import ROSTER, event, ics, write

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WINDOW = ImportWindow(NOW, timedelta(days=8), timedelta(days=60))
A1 = event("a1", "20260310T140000Z", "20260310T153000Z")
A2 = event("a2", "20260311T140000Z", "20260311T153000Z")
BASE = timedelta(minutes=5)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not openssl_available():
        pytest.skip("the openssl command is not installed")
    return self_signed_certificate(tmp_path_factory.mktemp("feed-tls"))


@pytest.fixture
def server(certificate: tuple[Path, Path]) -> Iterator[FeedServer]:
    with feed_server(server_context(certificate)) as running:
        yield running


@pytest.fixture
def options(certificate: tuple[Path, Path]) -> FeedOptions:
    return FeedOptions(
        connect_timeout=5,
        read_timeout=1,
        max_bytes=200_000,
        backoff_base=BASE,
        backoff_cap=timedelta(minutes=30),
        ca_bundle=certificate[0],
    )


@pytest.fixture
def roster(engine: Engine, protocol: Protocol, tmp_path: Path) -> None:
    [report] = import_files(engine, protocol, WINDOW, write(tmp_path, "roster.csv", ROSTER), [])
    assert report.error is None


def poll(
    engine: Engine,
    protocol: Protocol,
    server: FeedServer,
    options: FeedOptions,
    now: datetime = NOW,
) -> FeedReport:
    window = ImportWindow(now, WINDOW.lookback, WINDOW.horizon)
    [report] = sync_feeds(engine, protocol, window, [Feed.parse(server.url)], options)
    return report


def appointments(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return dict(session.exec(select(Appointment.source_uid, Appointment.status)).all())


def pending(engine: Engine, uid: str) -> set[MessageStatus]:
    with Session(engine) as session:
        return set(
            session.exec(
                select(ScheduledMessage.status)
                .join(Appointment)
                .where(Appointment.source_uid == uid)
            ).all()
        )


def runs(engine: Engine, kind: str = "feed:") -> list[SyncRun]:
    """The sync runs of one kind of source (feeds by default), oldest first."""
    with Session(engine) as session:
        query = select(SyncRun).where(col(SyncRun.source).startswith(kind))
        return list(session.exec(query.order_by(col(SyncRun.id))).all())


def test_a_feed_is_read_and_known_by_host_and_hash_never_its_secret_address(
    engine: Engine,
    protocol: Protocol,
    server: FeedServer,
    options: FeedOptions,
    roster: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server.serve(ics(A1, A2).encode(), etag='"v1"')
    report = poll(engine, protocol, server, options)
    assert (report.status, report.http_status, report.counts.created) == (SyncStatus.OK, 200, 2)
    assert appointments(engine) == {"a1": "booked", "a2": "booked"}
    assert MessageStatus.PENDING in pending(engine, "a1")
    feed = Feed.parse(server.url)
    assert feed.source == f"feed:{feed.host}/{feed.short_id}" and feed.host.startswith("127.0.0.1:")
    with Session(engine) as session:
        assert set(session.exec(select(Appointment.source)).all()) == {feed.source}
    [run] = runs(engine)
    assert (run.source, run.status, run.http_status, run.created) == (feed.source, "ok", 200, 2)
    assert "5ec4e7t0ken" not in feed.source and "5ec4e7t0ken" not in repr(feed)
    assert "5ec4e7t0ken" not in caplog.text


def test_an_unchanged_feed_answers_304_and_changes_nothing(
    engine: Engine, protocol: Protocol, server: FeedServer, options: FeedOptions, roster: None
) -> None:
    server.serve(ics(A1).encode(), etag='"v1"', last_modified="Mon, 02 Mar 2026 11:00:00 GMT")
    poll(engine, protocol, server, options)
    report = poll(engine, protocol, server, options, NOW + BASE)
    assert (report.status, report.http_status) == (SyncStatus.NOT_MODIFIED, 304)
    seen = server.requests[-1].headers
    assert seen["If-None-Match"] == '"v1"'
    assert seen["If-Modified-Since"] == "Mon, 02 Mar 2026 11:00:00 GMT"
    assert [r.status for r in runs(engine)] == ["ok", "not_modified"]
    assert appointments(engine) == {"a1": "booked"}


def test_last_modified_alone_is_sent_back_as_if_modified_since(
    engine: Engine, protocol: Protocol, server: FeedServer, options: FeedOptions, roster: None
) -> None:
    server.serve(ics(A1).encode(), last_modified="Mon, 02 Mar 2026 11:00:00 GMT")
    poll(engine, protocol, server, options)
    report = poll(engine, protocol, server, options, NOW + BASE)
    assert report.status == SyncStatus.NOT_MODIFIED
    assert "If-None-Match" not in server.requests[-1].headers
    assert server.requests[-1].headers["If-Modified-Since"] == "Mon, 02 Mar 2026 11:00:00 GMT"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(status=500, body=b"oops"), "HTTP 500"),
        (Answer(body=b"<html><body>Sign in to Google</body></html>"), "not an iCalendar file"),
        (Answer(body=bytes(range(256)) * 8), "not an iCalendar file"),
        (Answer(delay=3, body=b"late"), "no answer within 1 s"),
        (Answer(body=b"X" * 300_000), "larger than the 200000 byte limit"),
        (
            Answer(status=302, headers={"Location": "http://calendar.example.org/basic.ics"}),
            "not https",
        ),
    ],
    ids=["http-500", "html-page", "garbage-bytes", "timeout", "too-large", "redirect-to-http"],
)
def test_a_failed_read_cancels_nothing_and_is_recorded(
    engine: Engine,
    protocol: Protocol,
    server: FeedServer,
    options: FeedOptions,
    roster: None,
    answer: Answer,
    error: str,
) -> None:
    server.serve(ics(A1, A2).encode(), etag='"v1"')
    poll(engine, protocol, server, options)
    server.answer = answer
    for attempt in range(1, 4):
        report = poll(engine, protocol, server, options, NOW + attempt * 24 * BASE)
        assert report.status == SyncStatus.FAILED and error in (report.error or "")
    assert appointments(engine) == {"a1": "booked", "a2": "booked"}
    assert MessageStatus.PENDING in pending(engine, "a1")
    last = runs(engine)[-1]
    assert (last.status, last.error) == ("failed", report.error)
    assert "5ec4e7t0ken" not in (last.error or "")


def test_an_empty_calendar_never_cancels_booked_appointments(
    engine: Engine, protocol: Protocol, server: FeedServer, options: FeedOptions, roster: None
) -> None:
    server.serve(ics(A1, A2).encode(), etag='"v1"')
    poll(engine, protocol, server, options)
    server.serve(ics().encode(), etag='"empty"')
    for attempt in range(1, 6):
        report = poll(engine, protocol, server, options, NOW + attempt * BASE)
        assert report.status == SyncStatus.EMPTY and report.counts.cancelled == 0
        # The empty answer's validators are not kept: every poll reads it in full again.
        assert "If-None-Match" not in server.requests[-1].headers or attempt == 1
    assert appointments(engine) == {"a1": "booked", "a2": "booked"}
    assert [r.status for r in runs(engine)] == ["ok"] + ["empty"] * 5


def test_an_event_missing_from_three_good_reads_is_cancelled_on_the_third(
    engine: Engine, protocol: Protocol, server: FeedServer, options: FeedOptions, roster: None
) -> None:
    server.serve(ics(A1, A2).encode(), etag='"v1"')
    poll(engine, protocol, server, options)
    # The same answer each time: while a1 is counted absent the feed is read in full, so an
    # unchanged feed still confirms the absence instead of answering 304 for ever.
    server.serve(ics(A2).encode(), etag='"v2"')
    for read in (1, 2):
        report = poll(engine, protocol, server, options, NOW + read * BASE)
        assert report.status == SyncStatus.OK and report.counts.cancelled == 0
        assert [(a.uid, a.missing, a.reads_left) for a in report.counts.absent] == [
            ("a1", read, 3 - read)
        ]
        assert appointments(engine)["a1"] == "booked"
        assert MessageStatus.PENDING in pending(engine, "a1")
    assert "If-None-Match" not in server.requests[-1].headers
    report = poll(engine, protocol, server, options, NOW + 3 * BASE)
    assert report.counts.cancelled == 1 and report.counts.absent == []
    assert appointments(engine) == {"a1": "cancelled", "a2": "booked"}
    assert pending(engine, "a1") == {MessageStatus.CANCELLED}
    assert MessageStatus.PENDING in pending(engine, "a2")
    assert [(r.status, r.absent, r.cancelled) for r in runs(engine)] == [
        ("ok", 0, 0),
        ("ok", 1, 0),
        ("ok", 1, 0),
        ("ok", 0, 1),
    ]
    # Nothing is absent any more: polls are conditional again.
    assert poll(engine, protocol, server, options, NOW + 4 * BASE).status == "not_modified"


def test_an_event_back_after_one_missing_read_starts_its_count_over(
    engine: Engine, protocol: Protocol, server: FeedServer, options: FeedOptions, roster: None
) -> None:
    both, only_a2 = ics(A1, A2).encode(), ics(A2).encode()
    server.serve(both, etag='"v1"')
    poll(engine, protocol, server, options)
    for step, body in enumerate([only_a2, both, only_a2, only_a2], start=1):
        server.serve(body, etag=f'"s{step}"')
        report = poll(engine, protocol, server, options, NOW + step * BASE)
        assert report.counts.cancelled == 0
    with Session(engine) as session:
        a1 = session.exec(select(Appointment).where(Appointment.source_uid == "a1")).one()
    assert (a1.status, a1.absent_reads) == ("booked", 2)
    assert MessageStatus.PENDING in pending(engine, "a1")


def test_after_failures_the_next_poll_waits_longer_each_time(
    engine: Engine, protocol: Protocol, server: FeedServer, options: FeedOptions, roster: None
) -> None:
    server.answer = Answer(status=503)
    assert poll(engine, protocol, server, options).status == SyncStatus.FAILED
    feed = Feed.parse(server.url)
    with Session(engine) as session:
        state = session.get(FeedState, feed.source)
        assert state is not None and (state.failures, state.next_attempt_at) == (1, NOW + BASE)
    requests_made = len(server.requests)
    early = poll(engine, protocol, server, options, NOW + BASE / 2)
    assert early.skipped and len(server.requests) == requests_made  # not asked at all
    assert poll(engine, protocol, server, options, NOW + BASE).status == SyncStatus.FAILED
    # Second failure: twice the wait.
    assert poll(engine, protocol, server, options, NOW + 2 * BASE).skipped
    assert len(server.requests) == requests_made + 1
    server.serve(ics(A1).encode(), etag='"v1"')
    assert poll(engine, protocol, server, options, NOW + 3 * BASE).status == SyncStatus.OK
    with Session(engine) as session:
        state = session.get(FeedState, feed.source)
        assert state is not None and (state.failures, state.next_attempt_at) == (0, None)
    assert [r.status for r in runs(engine)] == ["failed", "failed", "ok"]  # waits leave no row


def test_an_untrusted_certificate_fails_without_the_ca_bundle(
    engine: Engine, protocol: Protocol, server: FeedServer, options: FeedOptions, roster: None
) -> None:
    server.serve(ics(A1).encode())
    no_bundle = FeedOptions(connect_timeout=5, read_timeout=5, backoff_base=BASE)
    report = poll(engine, protocol, server, no_bundle)
    assert report.status == SyncStatus.FAILED and "certificate is not trusted" in (
        report.error or ""
    )
    assert appointments(engine) == {}


def test_the_worker_syncs_a_feed_named_in_the_settings(
    engine: Engine,
    protocol: Protocol,
    server: FeedServer,
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    server.serve(ics(A1).encode(), etag='"v1"')
    settings = Settings(
        database_url=str(engine.url),
        roster_file=write(tmp_path, "roster.csv", ROSTER),
        calendar_sources=[server.url],
        calendar_feed_ca_bundle=certificate[0],
    )  # type: ignore[arg-type]
    reports = sync_sources(engine, settings, protocol)
    assert [getattr(r, "status", None) for r in reports] == ["ok", "ok"]
    assert {r.source for r in runs(engine, "")} == {
        "roster:roster.csv",
        Feed.parse(server.url).source,
    }


# -- One worker at a time per source (PostgreSQL advisory lock) ---------------------------

# SQLite serves one process and takes no lock: these run on PostgreSQL only.
POSTGRES_ONLY = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


@POSTGRES_ONLY
def test_a_source_locked_by_another_worker_is_skipped_until_released(
    engine: Engine, protocol: Protocol, server: FeedServer, options: FeedOptions, roster: None
) -> None:
    server.serve(ics(A1).encode(), etag='"v1"')
    key = lock_key(Feed.parse(server.url).source)
    with engine.connect() as other:
        assert other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        report = poll(engine, protocol, server, options)
        assert report.skipped and server.requests == [] and runs(engine) == []
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    assert poll(engine, protocol, server, options).status == SyncStatus.OK
    assert [r.status for r in runs(engine)] == ["ok"]


@POSTGRES_ONLY
def test_two_workers_polling_at_once_sync_a_feed_once(
    engine: Engine, protocol: Protocol, server: FeedServer, options: FeedOptions, roster: None
) -> None:
    release = threading.Event()
    server.answer = Answer(body=ics(A1).encode(), etag='"v1"', hold=release)
    first: list[FeedReport] = []
    worker = threading.Thread(target=lambda: first.append(poll(engine, protocol, server, options)))
    worker.start()
    try:
        assert server.arrived.wait(10)  # the first worker is inside its sync, lock held
        second = poll(engine, protocol, server, options)
    finally:
        release.set()
        worker.join(20)
    assert second.skipped == "another process is syncing it"
    assert first[0].status == SyncStatus.OK
    assert len(server.requests) == 1 and [r.status for r in runs(engine)] == ["ok"]


@POSTGRES_ONLY
def test_a_file_locked_by_another_worker_is_skipped_by_import(
    engine: Engine, protocol: Protocol, roster: None, tmp_path: Path
) -> None:
    calendar = write(tmp_path, "room.ics", ics(A1))
    key = lock_key("ics:room.ics")
    with engine.connect() as other:
        other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        [report] = import_files(engine, protocol, WINDOW, None, [calendar])
        assert report.skipped and appointments(engine) == {}
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    [report] = import_files(engine, protocol, WINDOW, None, [calendar])
    assert not report.skipped and appointments(engine) == {"a1": "booked"}
