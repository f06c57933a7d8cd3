"""The one place that reads the wall clock, and the guards that keep datetimes aware."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return `value` in UTC, refusing naive datetimes: a naive time has no instant."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)
