"""`[paging]`: which alerts phone the on-call people, and how long the calling goes on."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator

from followup.protocol.fields import Duration, Strict

# An alert's severity as followup.alerts names them (emergency: medical; critical: a crisis).
AlertSeverity = Literal["emergency", "critical", "urgent", "high"]


def _emergencies_and_crises() -> list[AlertSeverity]:
    return ["emergency", "critical"]


class Paging(Strict):
    """How alerts reach on-call people by phone call (`voice = true` in `[[on_call]]`)."""

    # A call wakes someone at 3 a.m.: by default only a medical emergency or a crisis.
    call_for: list[AlertSeverity] = Field(default_factory=_emergencies_and_crises)
    # Times through the callers (in [[on_call]] order) before the clinic's on-call phone
    # is called, once; then the calls stop and the SMS and email escalation goes on.
    call_rounds: int = Field(default=2, ge=1, le=5)
    # How long a call rings before it counts as no answer (Twilio's Timeout).
    ring_seconds: int = Field(default=30, ge=10, le=120)
    # The wait before each new round, so a round of missed calls is not repeated in seconds.
    round_pause: Duration = timedelta(minutes=1)

    @field_validator("round_pause")
    @classmethod
    def _short_pause(cls, value: timedelta) -> timedelta:
        if value < timedelta(0) or value > timedelta(minutes=30):
            raise ValueError("must be between 0m and 30m")
        return value
