"""What a sync could not use, kept with its run so the sync page can list it.

Each problem is the event's reference (its UID, or "line N" of a CSV), its start when it
could be read, and the reason. Bounded: the first `KEPT` of a run; the run's `rejected`
counts them all. Never an event's summary, which often holds the patient's name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from followup.calendar.events import Rejected

KEPT = 200
_REF_LIMIT = 200
_REASON_LIMIT = 300
_NO_UID = "(no UID)"


@dataclass(frozen=True, slots=True)
class Problem:
    """One event or row a sync could not use, as staff see it."""

    ref: str
    reason: str
    start: datetime | None = None


def encode(rejected: Sequence[Rejected]) -> str | None:
    """The first `KEPT` rejections as the JSON a `sync_run` row keeps; None when none."""
    if not rejected:
        return None
    kept = [
        {
            "ref": _stored_ref(r)[:_REF_LIMIT],
            "reason": r.reason[:_REASON_LIMIT],
            "start": r.start.isoformat() if r.start else None,
        }
        for r in rejected[:KEPT]
    ]
    return json.dumps(kept, ensure_ascii=False)


def decode(stored: str | None) -> list[Problem]:
    """The problems a run kept; a run from before they were kept has none."""
    if not stored:
        return []
    return [
        Problem(
            ref=str(item["ref"]),
            reason=str(item["reason"]),
            start=datetime.fromisoformat(item["start"]) if item.get("start") else None,
        )
        for item in json.loads(stored)
    ]


def _stored_ref(rejected: Rejected) -> str:
    # An event without a UID is named by its start and summary for the person at the
    # terminal; the summary often holds the patient's name, so it is not stored.
    if rejected.uid is None and rejected.ref.startswith(_NO_UID):
        return " ".join(rejected.ref.split()[:3])
    return rejected.ref
