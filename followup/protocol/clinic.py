"""The clinic, its quiet hours, its reply settings and the people on call."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from followup.core.phones import InvalidPhone, to_e164
from followup.protocol.fields import (
    EMAIL,
    LANGUAGE,
    Duration,
    Strict,
    check_timezone,
    discreet_name,
)


class Clinic(Strict):
    name: str = Field(min_length=1, max_length=80)
    timezone: Annotated[str, BeforeValidator(check_timezone)]
    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    phone: str
    on_call_phone: str
    crisis_line: str = "988"
    emergency_number: str = "911"
    # Where to come, one line for the preparation message; a location may give its own.
    address: str = Field(default="", max_length=200)

    _discreet_name = field_validator("name")(staticmethod(discreet_name))

    @model_validator(mode="after")
    def _phones(self) -> Clinic:
        for name in ("phone", "on_call_phone"):
            try:
                object.__setattr__(self, name, to_e164(getattr(self, name), self.country))
            except InvalidPhone as exc:
                raise ValueError(f"{name}: {exc}") from None
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class QuietHours(Strict):
    """Patient-local hours when nothing but exempt messages is sent; may wrap midnight."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, local: time) -> bool:
        """True when a wall-clock time falls inside the quiet window."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class Replies(Strict):
    """How long the inbound side waits before it gives up, escalates or asks staff."""

    # A check-in survey left unanswered this long ends; a later reply is a plain message.
    conversation_expires_after: Duration = timedelta(hours=24)
    # An infusion starting within this time whose preparation was not confirmed lands on
    # the staff worklist.
    confirmation_cutoff: Duration = timedelta(hours=24)
    # An alert nobody acknowledged in this time goes to the next person on call.
    alert_escalation_after: Duration = timedelta(minutes=10)

    @field_validator("conversation_expires_after", "confirmation_cutoff", "alert_escalation_after")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than 0m")
        return value


class OnCallPerson(Strict):
    """Somebody on staff who is told about alerts, in the order [[on_call]] lists them."""

    name: str = Field(min_length=1, max_length=80)
    # Normalised to E.164 with the clinic's country by Protocol.
    phone: str | None = None
    email: str | None = Field(default=None, pattern=EMAIL)
    # Phoned for the alerts `[paging] call_for` names; only a keypress acknowledges.
    voice: bool = False
    # What a call speaks: "es" Spanish, anything else English.
    language: str = Field(default="en", pattern=LANGUAGE.pattern)

    @model_validator(mode="after")
    def _reachable(self) -> OnCallPerson:
        if not self.phone and not self.email:
            raise ValueError("needs a phone or an email (or both) so alerts can reach them")
        if self.voice and not self.phone:
            raise ValueError("voice = true needs a phone to call")
        if self.voice and self.language not in CALL_LANGUAGES:
            raise ValueError(
                f"language {self.language!r}: calls speak English (en) or Spanish (es); "
                "set one of them, or voice = false"
            )
        return self


# What a call can speak (followup.alerts.call_script).
CALL_LANGUAGES = frozenset({"en", "es"})
