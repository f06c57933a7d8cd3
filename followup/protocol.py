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
    AfterValidator,
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
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
QuestionType = Literal["scale", "yes_no", "choice", "text"]
# How urgent an alert from a flagged answer is, as followup.alerts reads it: every alert
# goes to the on-call person; "critical" (what a crisis reply raises) also pauses messages.
Severity = Literal["low", "medium", "high", "critical"]

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# A question goes out as (part of) an SMS: two GSM-7 segments are 306 characters.
MAX_QUESTION_CHARS = 320


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
    # The [surveys] key whose questions this message starts asking; replies answer them.
    survey: str | None = None
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


class Replies(_Strict):
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


class OnCallPerson(_Strict):
    """Somebody on staff who is told about alerts, in the order [[on_call]] lists them."""

    name: str = Field(min_length=1, max_length=80)
    # Normalised to E.164 with the clinic's country by Protocol.
    phone: str | None = None
    email: str | None = Field(default=None, pattern=_EMAIL)

    @model_validator(mode="after")
    def _reachable(self) -> OnCallPerson:
        if not self.phone and not self.email:
            raise ValueError("needs a phone or an email (or both) so alerts can reach them")
        return self


def _check_texts(value: dict[str, str]) -> dict[str, str]:
    """A language → text table: English required, every text short and discreet."""
    if "en" not in value:
        raise ValueError("needs an English version (en); other languages fall back to it")
    for language, text in value.items():
        if not _LANGUAGE.match(language):
            raise ValueError(f"{language!r} is not a language code such as 'en' or 'es'")
        if not text.strip():
            raise ValueError(f"the {language!r} text is empty")
        if len(text) > MAX_QUESTION_CHARS:
            raise ValueError(
                f"the {language!r} text is {len(text)} characters; keep it to "
                f"{MAX_QUESTION_CHARS} so it fits in a short SMS"
            )
        if reveals_treatment(text):
            raise ValueError(
                f"the {language!r} text must not name a drug or a diagnosis "
                "(somebody else may read the patient's phone)"
            )
    return value


Texts = Annotated[dict[str, str], AfterValidator(_check_texts)]


class ChoiceOption(_Strict):
    """One answer of a multiple-choice question; patients reply with its number or words."""

    key: Slug
    label: Texts
    # Extra words, in any language, that mean this option in a reply.
    words: list[str] = Field(default_factory=list)

    def label_in(self, language: str) -> str:
        """The label in a language, falling back to English."""
        return self.label.get(language) or self.label["en"]


# The fields that only some question types take; any other type refuses them.
_TYPE_FIELDS: dict[str, frozenset[str]] = {
    "scale": frozenset({"min", "max", "alert_at_or_below", "alert_at_or_above"}),
    "yes_no": frozenset({"alert_on"}),
    "choice": frozenset({"options", "alert_on"}),
    "text": frozenset(),
}
_TYPED_FIELDS = frozenset[str]().union(*_TYPE_FIELDS.values())


class Question(_Strict):
    """One question of a survey, asked by SMS and answered by a reply."""

    key: Slug
    type: QuestionType
    text: Texts
    min: int = 0
    max: int = 10
    alert_at_or_below: int | None = None
    alert_at_or_above: int | None = None
    # yes_no: the answer (true or false) that alerts; choice: the option keys that alert.
    alert_on: bool | list[str] | None = None
    options: list[ChoiceOption] = Field(default_factory=list)
    # Asked only for appointments of these treatments; every treatment when left out.
    only_for_treatments: list[str] | None = None
    alert_severity: Severity = "high"

    @model_validator(mode="after")
    def _fits_its_type(self) -> Question:
        for name in sorted((_TYPED_FIELDS - _TYPE_FIELDS[self.type]) & self.model_fields_set):
            raise ValueError(f"{name}: does not apply to a {self.type} question")
        if self.type == "scale":
            self._check_scale()
        elif self.type == "yes_no" and isinstance(self.alert_on, list):
            raise ValueError("alert_on: a yes_no question alerts on true or on false")
        elif self.type == "choice":
            self._check_choice()
        return self

    def _check_scale(self) -> None:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be less than max ({self.max})")
        for name in ("alert_at_or_below", "alert_at_or_above"):
            value = getattr(self, name)
            if value is not None and not self.min <= value <= self.max:
                raise ValueError(f"{name}: {value} is outside the scale {self.min} to {self.max}")

    def _check_choice(self) -> None:
        if len(self.options) < 2:
            raise ValueError("options: a choice question needs at least two options")
        keys = [option.key for option in self.options]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"options: option key {key!r} appears twice")
        if isinstance(self.alert_on, bool):
            raise ValueError("alert_on: a choice question alerts on a list of option keys")
        for key in self.alert_on or []:
            if key not in keys:
                raise ValueError(
                    f"alert_on: {key!r} is not one of the option keys ({', '.join(keys)})"
                )
        # Patients answer with numbers, so each text must number the options in order.
        for language, text in self.text.items():
            for number, option in enumerate(self.options, start=1):
                listed = f"{number} {option.label_in(language)}"
                if listed.casefold() not in text.casefold():
                    raise ValueError(
                        f"text.{language}: should list option {number} as {listed!r} "
                        f"(label.{language} of option {option.key!r}), so the number a "
                        "patient replies with means that option"
                    )

    def text_in(self, language: str) -> str:
        """The question in a language, falling back to English."""
        return self.text.get(language) or self.text["en"]

    def asked_for(self, treatment: str) -> bool:
        """True when this question is asked after an infusion of this treatment."""
        return self.only_for_treatments is None or treatment in self.only_for_treatments


class Survey(_Strict):
    """Questions asked one by one, each reply answering the question before it."""

    questions: list[Question] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _unique_questions(cls, value: list[Question]) -> list[Question]:
        keys = [question.key for question in value]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"question key {key!r} appears twice")
        return value

    def questions_for(self, treatment: str) -> tuple[Question, ...]:
        """The questions asked for a treatment, in order."""
        return tuple(question for question in self.questions if question.asked_for(treatment))


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
    replies: Replies = Replies()
    on_call: list[OnCallPerson] = Field(default_factory=list, validate_default=True)
    surveys: dict[Slug, Survey] = Field(default_factory=dict)
    resolved: dict[str, tuple[Step, ...]] = Field(default_factory=dict, exclude=True)

    @field_validator("on_call")
    @classmethod
    def _somebody_on_call(cls, value: list[OnCallPerson]) -> list[OnCallPerson]:
        if not value:
            raise ValueError(
                "a clinic must have someone on call: add at least one [[on_call]] person "
                "with a name and a phone or an email, to be told about alerts"
            )
        return value

    @model_validator(mode="after")
    def _resolve_treatments(self) -> Protocol:
        _check_unique_keys(self.steps, "steps")
        resolved = {self.default_treatment: tuple(s for s in self.steps if s.enabled)}
        for name, override in self.treatments.items():
            resolved[name] = _merge_steps(self.steps, override.steps, f"treatments.{name}.steps")
        object.__setattr__(self, "resolved", resolved)
        return self

    @model_validator(mode="after")
    def _on_call_phones(self) -> Protocol:
        for index, person in enumerate(self.on_call):
            if person.phone is None:
                continue
            try:
                object.__setattr__(person, "phone", to_e164(person.phone, self.clinic.country))
            except InvalidPhone as exc:
                raise ValueError(f"on_call[{index}].phone: {exc}") from None
        return self

    @model_validator(mode="after")
    def _check_surveys(self) -> Protocol:
        known = self.treatments_known
        for key, survey in self.surveys.items():
            for index, question in enumerate(survey.questions):
                for treatment in question.only_for_treatments or []:
                    if treatment not in known:
                        raise ValueError(
                            f"surveys.{key}.questions[{index}].only_for_treatments: "
                            f"{treatment!r} is not a treatment ({', '.join(sorted(known))})"
                        )
        defined = ", ".join(sorted(self.surveys)) or "none"
        for index, step in enumerate(self.steps):
            if step.survey is not None and step.survey not in self.surveys:
                raise ValueError(
                    f"steps[{index}].survey: no survey {step.survey!r} is defined under "
                    f"[surveys] (defined: {defined})"
                )
        for treatment, steps in self.resolved.items():
            for step in steps:
                if step.survey is None:
                    continue
                if step.survey not in self.surveys:
                    raise ValueError(
                        f"treatments.{treatment}.steps (step {step.key!r}).survey: no survey "
                        f"{step.survey!r} is defined under [surveys] (defined: {defined})"
                    )
                if not self.surveys[step.survey].questions_for(treatment):
                    raise ValueError(
                        f"surveys.{step.survey}: no question is asked for treatment "
                        f"{treatment!r}, whose step {step.key!r} starts this survey "
                        "(see only_for_treatments)"
                    )
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
        # A relative default read from another folder is the usual cause: name both.
        where = "" if path.is_absolute() else f" in {Path.cwd()}"
        raise ProtocolError(
            f"{path}: cannot read the protocol file{where} ({exc.strerror}); "
            "set FOLLOWUP_PROTOCOL_FILE or run followup from the project's folder"
        ) from None
    return parse_protocol(text, str(path))
