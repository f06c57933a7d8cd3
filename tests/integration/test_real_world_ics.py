"""Every .ics file icalendar tests itself with either imports or fails with a SourceError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from followup.calendar.events import SourceRead
from followup.calendar.ics import read_ics
from followup.core.errors import SourceError

# Vendor-prefixed TZIDs resolve with a warning in production; under `error` it would
# turn a readable file into a SourceError and test something production never does.
pytestmark = pytest.mark.filterwarnings("ignore::icalendar.GloballyUniqueTZIDGuessed")

ICALENDAR_ROOT = Path(icalendar.__file__).parent
SAMPLES = sorted(ICALENDAR_ROOT.rglob("*.ics"))


def sample_id(path: Path) -> str:
    return path.relative_to(ICALENDAR_ROOT).as_posix()


def read(path: Path) -> SourceRead:
    return read_ics(
        path.read_bytes(),
        clinic_tz=ZoneInfo("America/New_York"),
        window_start=datetime(1990, 1, 1, tzinfo=UTC),
        window_end=datetime(2040, 1, 1, tzinfo=UTC),
        default_duration=timedelta(hours=1),
        known_treatments=frozenset({"ketamine"}),
    )


def test_icalendar_ships_enough_sample_files() -> None:
    assert len(SAMPLES) >= 50, f"only {len(SAMPLES)} .ics files under {ICALENDAR_ROOT}"


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_sample_file_imports_or_raises_a_one_line_source_error(path: Path) -> None:
    try:
        result = read(path)
    except SourceError as error:
        message = str(error)
        assert message and "\n" not in message and "\r" not in message
        return
    for event in result.events:
        assert event.start.tzinfo is UTC and event.end.tzinfo is UTC
        assert event.start <= event.end
    for rejected in result.rejected:
        assert rejected.ref and rejected.reason
        assert "\n" not in rejected.reason and "\n" not in rejected.ref
    assert result.outside_window >= 0
