"""Administrations built in memory for the rating-scale views' unit tests: scored by the
real `score`, as `followup.instruments.records` would read them from the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import count
from zoneinfo import ZoneInfo

from followup.instruments.records import COMPLETED, IN_PROGRESS, Administration
from followup.instruments.scoring import Score, score
from followup.protocol import load_protocol
from followup.protocol.instruments import Instrument
from tests.conftest import ROOT

PROTOCOL = load_protocol(ROOT / "config" / "protocol.toml")
PHQ9, GAD7 = PROTOCOL.instruments["phq9"], PROTOCOL.instruments["gad7"]
CHICAGO = ZoneInfo("America/Chicago")
# 15:00 UTC is 09:00 in Chicago in March before the DST change, 10:00 after it.
SERIES_START = datetime(2026, 3, 1, 15, tzinfo=UTC)
SERIES = ("depression", SERIES_START)
NINETEEN = (3, 3, 2, 2, 2, 2, 2, 2, 1)  # moderately severe
TWELVE = (2, 2, 1, 1, 2, 1, 1, 2, 0)  # moderate
EIGHT = (1, 1, 1, 1, 1, 1, 1, 1, 0)  # mild
_ids = count(1)


def day(n: int, hour: int = 15) -> datetime:
    """Day `n` of March 2026 at `hour` UTC."""
    return datetime(2026, 3, n, hour, tzinfo=UTC)


def taken(
    at: datetime,
    answers: Sequence[int | None],
    *,
    instrument: str = "phq9",
    status: str = COMPLETED,
    series: tuple[str, datetime] | None = SERIES,
    unreadable: Sequence[int] = (),
    patient_id: int = 1,
) -> Administration:
    definition: Instrument = PROTOCOL.instruments[instrument]
    if status == IN_PROGRESS:
        answered = sum(v is not None for v in answers)
        scored = Score(None, None, answered, len(answers), prorated=False)
    else:
        scored = score(definition, answers)
    return Administration(
        id=next(_ids),
        patient_id=patient_id,
        appointment_id=1 if series else None,
        instrument=instrument,
        language="en",
        answers=tuple(answers),
        unreadable=tuple(unreadable),
        started_at=at,
        updated_at=at,
        completed_at=at if status == COMPLETED else None,
        status=status,
        score=scored,
        series=series,
    )
