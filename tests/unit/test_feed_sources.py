"""Which calendar sources the settings accept, and how a feed is named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.calendar.feeds import Feed, FeedOptions, backoff
from followup.core.errors import ConfigError
from followup.settings import load_settings

SECRET = (
    "https://calendar.google.com/calendar/ical/clinic%40example.org/private-abc123secret/basic.ics"
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_https_feeds_and_files_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "FOLLOWUP_CALENDAR_SOURCES", f"room.ics, {SECRET}, http://127.0.0.1:8080/x.ics"
    )
    assert len(load_settings().calendar_sources) == 3


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("http://calendar.example.org/private-abc123secret/basic.ics", "plain http:// is refused"),
        (
            "webcal://calendar.example.org/private-abc123secret/basic.ics",
            "write the same address with https://",
        ),
        ("ftp://calendar.example.org/private-abc123secret/basic.ics", "ftp:// is not supported"),
    ],
)
def test_unsafe_feed_addresses_are_refused_without_echoing_them(
    monkeypatch: pytest.MonkeyPatch, entry: str, reason: str
) -> None:
    monkeypatch.setenv("FOLLOWUP_CALENDAR_SOURCES", f"room.ics,{entry}")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("FOLLOWUP_CALENDAR_SOURCES: entry 2: ") and reason in message
    assert "abc123secret" not in message


def test_a_feed_is_named_by_host_and_hash_and_keeps_its_address_out_of_repr() -> None:
    feed = Feed.parse(SECRET)
    assert feed.source == f"feed:calendar.google.com/{feed.short_id}" and len(feed.short_id) == 12
    assert Feed.parse(SECRET).source == feed.source  # stable
    assert Feed.parse(SECRET.replace("abc", "abd")).source != feed.source
    assert "abc123secret" not in repr(feed) and "abc123secret" not in feed.source


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    options = FeedOptions(backoff_base=timedelta(minutes=5), backoff_cap=timedelta(minutes=30))
    waits = [backoff(n, options) for n in range(1, 6)]
    assert waits == [timedelta(minutes=m) for m in (5, 10, 20, 30, 30)]
