"""Pure send-time checks: things change between planning and sending, so look again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from followup.planning.planner import (
    PatientFacts,
    channel_skip_reason,
    next_allowed,
    next_quiet_start,
)
from followup.protocol import QuietHours

# How often a message held for a paused patient looks again.
PAUSE_RECHECK = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Decision:
    """Send now (before `until`), wait until `at`, or stop for `reason` (skipped or expired)."""

    action: Literal["send", "defer", "skip", "expire"]
    at: datetime | None = None
    reason: str | None = None
    # For "send": when the decision stops holding (quiet hours begin, or the message
    # expires); a message not handed to the provider by then must be looked at again.
    until: datetime | None = None


def decide(
    *,
    channel: str,
    expires_at: datetime | None,
    quiet_hours_exempt: bool,
    patient: PatientFacts,
    quiet: QuietHours,
    now: datetime,
) -> Decision:
    """What to do with a due message at `now`."""
    blocked = channel_skip_reason(channel, patient)
    if blocked:
        return Decision("skip", reason=blocked)
    if expires_at is not None and now >= expires_at:
        return Decision("expire", reason="it was no longer useful by the time it could be sent")
    if patient.paused:
        # Held, not dropped: once staff clear the alert, what is still useful goes out.
        return Decision("defer", at=now + PAUSE_RECHECK)
    if quiet_hours_exempt:
        return Decision("send", until=expires_at)
    allowed = next_allowed(now, patient.timezone, quiet)
    if allowed == now:
        quiet_from = next_quiet_start(now, patient.timezone, quiet)
        limits = [t for t in (expires_at, quiet_from) if t is not None]
        return Decision("send", until=min(limits) if limits else None)
    if expires_at is not None and allowed >= expires_at:
        return Decision("expire", reason="quiet hours last until after it expires")
    return Decision("defer", at=allowed)
