"""`followup import` says which appointments are absent and when they would be cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.integration.test_cli import Run, env, followup  # noqa: F401 (fixtures)
from tests.integration.test_import import ROSTER, event, ics, write


def test_an_event_gone_from_the_file_is_absent_twice_then_cancelled(
    followup: Run,  # noqa: F811
    tmp_path: Path,
) -> None:
    followup("db", "upgrade", check=True)
    day = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y%m%d")
    a1 = event("a1", f"{day}T150000Z", f"{day}T163000Z")
    a2 = event("a2", f"{day}T170000Z", f"{day}T183000Z")
    roster = str(write(tmp_path, "roster.csv", ROSTER))
    followup(
        "import", "--patients", roster, str(write(tmp_path, "room.ics", ics(a1, a2))), check=True
    )
    calendar = str(write(tmp_path, "room.ics", ics(a2)))
    for missing in (1, 2):
        lines = followup("import", calendar, check=True).stdout.splitlines()
        assert "0 cancelled, 1 absent" in lines[0]
        assert lines[1].startswith("  absent a1 (")
        assert lines[1].endswith(
            f"missing from {missing} read(s) in a row; "
            f"cancelled if still missing from the next {3 - missing} read(s)"
        )
    lines = followup("import", calendar, check=True).stdout.splitlines()
    assert "1 cancelled, 0 absent" in lines[0] and len(lines) == 1


def test_an_empty_file_says_it_cancelled_nothing(followup: Run, tmp_path: Path) -> None:  # noqa: F811
    followup("db", "upgrade", check=True)
    day = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y%m%d")
    roster = str(write(tmp_path, "roster.csv", ROSTER))
    booked = ics(event("a1", f"{day}T150000Z", f"{day}T163000Z"))
    followup("import", "--patients", roster, str(write(tmp_path, "room.ics", booked)), check=True)
    lines = followup("import", str(write(tmp_path, "room.ics", ics())), check=True).stdout
    assert "0 cancelled, 0 absent" in lines and "empty: the calendar has no events" in lines
