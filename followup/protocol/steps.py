"""The steps of the protocol, and per-treatment changes merged into them by key."""

from __future__ import annotations

from datetime import time
from typing import Any

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from followup.protocol.fields import (
    ChannelName,
    Duration,
    Kind,
    Strict,
    first_problem,
)


class Step(Strict):
    """One message of the protocol, timed relative to the infusion."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    kind: Kind
    template: str = ""
    channels: list[ChannelName] = Field(min_length=1)
    before_start: Duration | None = None
    after_end: Duration | None = None
    day_after: int | None = Field(default=None, ge=1, le=60)
    local_time: time | None = None
    expires_after: Duration | None = None
    quiet_hours_exempt: bool = False
    requires_next_appointment: bool = False
    # The [surveys] key whose questions this message starts asking; replies answer them.
    survey: str | None = None
    # The [instruments] key(s) this message starts asking, one after another ("phq9", or
    # ["phq9", "gad7"]); a step starts a survey or instruments, not both.
    instrument: str | list[str] | None = None
    # Planned for the last infusion of a series only (a booster reminder, a late check-in).
    after_series_only: bool = False
    # Planned for the first infusion of a series only (a baseline questionnaire).
    first_of_series_only: bool = False
    # May be due while the patient is in the chair; every other step moves out of it.
    during_infusion: bool = False
    enabled: bool = True

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list[ChannelName]) -> list[ChannelName]:
        if len(set(value)) != len(value):
            raise ValueError("lists a channel twice")
        return value

    @model_validator(mode="after")
    def _one_timing(self) -> Step:
        timings = [
            n for n in ("before_start", "after_end", "day_after") if getattr(self, n) is not None
        ]
        if len(timings) != 1:
            raise ValueError("needs exactly one of before_start, after_end or day_after")
        if (self.day_after is None) != (self.local_time is None):
            raise ValueError("day_after and local_time go together")
        if not self.template:
            object.__setattr__(self, "template", self.key)
        if self.survey is not None and self.instrument is not None:
            raise ValueError("starts a survey or an instrument, not both")
        if isinstance(self.instrument, list):
            if not self.instrument or len(set(self.instrument)) != len(self.instrument):
                raise ValueError("instrument: list each instrument once")
        return self

    @property
    def instruments(self) -> tuple[str, ...]:
        """The instruments this step asks, in order; none for most steps."""
        if self.instrument is None:
            return ()
        return (self.instrument,) if isinstance(self.instrument, str) else tuple(self.instrument)

    @property
    def conversation(self) -> str | None:
        """What the conversation this message opens asks: a survey key or "phq9+gad7"."""
        return self.survey or ("+".join(self.instruments) if self.instruments else None)


class TreatmentOverride(Strict):
    """Changes for one treatment: steps merged by key (`enabled = false` drops one)."""

    steps: list[dict[str, Any]] = Field(default_factory=list)
    fasting_hours: int | None = Field(default=None, ge=0, le=24)


def check_unique_keys(steps: list[Step], where: str) -> None:
    seen: set[str] = set()
    for step in steps:
        if step.key in seen:
            raise ValueError(f"{where}: step key {step.key!r} appears twice")
        seen.add(step.key)


def merge_steps(base: list[Step], changes: list[dict[str, Any]], where: str) -> tuple[Step, ...]:
    merged = {step.key: step.model_dump() for step in base}
    for index, change in enumerate(changes):
        key = change.get("key")
        if not isinstance(key, str):
            raise ValueError(f"{where}[{index}]: needs a key naming the step it changes or adds")
        fields = {**merged.get(key, {}), **change}
        # A new timing replaces the old one instead of conflicting with it.
        if any(t in change for t in ("before_start", "after_end", "day_after")):
            for timing in ("before_start", "after_end", "day_after", "local_time"):
                if timing not in change:
                    fields[timing] = None
        merged[key] = fields
    steps = []
    for key, fields in merged.items():
        try:
            steps.append(Step.model_validate(fields))
        except ValidationError as exc:
            raise ValueError(f"{where} (step {key!r}): {first_problem(exc)}") from None
    return tuple(step for step in steps if step.enabled)
