"""The clinic's protocol: `config/protocol.toml` read into validated, typed objects."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from followup.errors import ProtocolError
from followup.phones import InvalidPhone, to_e164

# Words that would tell whoever reads a patient's phone why they are treated.
SENSITIVE_WORDS = re.compile(
    r"ketamin|ketalar|spravato|depres|deprim|suicid|\bptsd\b|\btept\b|bipolar|"
    r"anxiety|ansiedad|psychiatr|psiquiatr|\bmental\b",
    re.IGNORECASE,
)


def reveals_treatment(text: str) -> bool:
    """True when text names a drug or diagnosis, accents ignored ("psiquiátrica")."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return bool(SENSITIVE_WORDS.search(bare))


_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")


def parse_duration(value: Any) -> timedelta:
    """Read "48h", "2h", "0m", "90m", "1h30m" or "2d" as a timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration such as '48h', '90m' or '1h30m'")
    days, hours, minutes = (int(group or 0) for group in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def check_timezone(name: str) -> str:
    """Accept only IANA zone names that this machine's tz database knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone such as 'America/New_York'") from None
    return name


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Kind = Literal["preparation", "reminder", "discharge", "checkin", "next_infusion"]
ChannelName = Literal["sms", "email"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clinic(_Strict):
    name: str = Field(min_length=1, max_length=80)
    timezone: Annotated[str, BeforeValidator(check_timezone)]
    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    phone: str
    on_call_phone: str
    crisis_line: str = "988"
    emergency_number: str = "911"

    @field_validator("name")
    @classmethod
    def _discreet_name(cls, value: str) -> str:
        if reveals_treatment(value):
            raise ValueError(
                "goes into every message and must not name a drug or a diagnosis "
                "(somebody else may read the patient's phone); use a neutral name"
            )
        return value

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


class QuietHours(_Strict):
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


class Step(_Strict):
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
        return self


class TreatmentOverride(_Strict):
    """Changes for one treatment: steps merged by key (`enabled = false` drops one)."""

    steps: list[dict[str, Any]] = Field(default_factory=list)
    fasting_hours: int | None = Field(default=None, ge=0, le=24)


class Protocol(_Strict):
    clinic: Clinic
    quiet_hours: QuietHours = QuietHours()
    default_treatment: str = Field(default="depression", pattern=r"^[a-z][a-z0-9_-]*$")
    default_duration: Duration = timedelta(minutes=90)
    fasting_hours: int = Field(default=6, ge=0, le=24)
    steps: list[Step] = Field(min_length=1)
    treatments: dict[str, TreatmentOverride] = Field(default_factory=dict)
    resolved: dict[str, tuple[Step, ...]] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="after")
    def _resolve_treatments(self) -> Protocol:
        _check_unique_keys(self.steps, "steps")
        resolved = {self.default_treatment: tuple(s for s in self.steps if s.enabled)}
        for name, override in self.treatments.items():
            resolved[name] = _merge_steps(self.steps, override.steps, f"treatments.{name}.steps")
        object.__setattr__(self, "resolved", resolved)
        return self

    @property
    def treatments_known(self) -> frozenset[str]:
        return frozenset(self.resolved)

    def steps_for(self, treatment: str | None) -> tuple[Step, ...]:
        """The enabled steps for a treatment; unknown treatments follow the default protocol."""
        return self.resolved.get(treatment or "", self.resolved[self.default_treatment])

    def fasting_hours_for(self, treatment: str | None) -> int:
        override = self.treatments.get(treatment or "")
        if override and override.fasting_hours is not None:
            return override.fasting_hours
        return self.fasting_hours


def _check_unique_keys(steps: list[Step], where: str) -> None:
    seen: set[str] = set()
    for step in steps:
        if step.key in seen:
            raise ValueError(f"{where}: step key {step.key!r} appears twice")
        seen.add(step.key)


def _merge_steps(base: list[Step], changes: list[dict[str, Any]], where: str) -> tuple[Step, ...]:
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
            raise ValueError(f"{where} (step {key!r}): {_first_problem(exc)}") from None
    return tuple(step for step in steps if step.enabled)


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


def describe_protocol_error(exc: ValidationError) -> str:
    """Name each failing key the way it is written in the TOML file."""
    problems = []
    for error in exc.errors():
        loc = ""
        for part in error["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{loc}: {message}" if loc else message)
    return "; ".join(problems)


def parse_protocol(text: str, source: str = "protocol.toml") -> Protocol:
    """Parse and validate protocol TOML text; errors name the file and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{source}: {exc}") from None
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"{source}: {describe_protocol_error(exc)}") from None


def load_protocol(path: Path) -> Protocol:
    """Read the protocol file named by FOLLOWUP_PROTOCOL_FILE."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read the protocol file ({exc.strerror})") from None
    return parse_protocol(text, str(path))
