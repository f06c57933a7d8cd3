"""The clinic's protocol: `config/protocol.toml` read into validated, typed objects.

The parts: `fields` (types and checks), `clinic`, `steps`, `surveys`; `Protocol` puts them
together and `load_protocol` reads the file.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from followup.core.errors import ProtocolError
from followup.core.phones import InvalidPhone, to_e164
from followup.protocol.clinic import Clinic, OnCallPerson, QuietHours, Replies
from followup.protocol.consent import Consent
from followup.protocol.fields import (
    Duration,
    Slug,
    Strict,
    check_timezone,
    parse_duration,
    reveals_treatment,
)
from followup.protocol.instruments import Instrument
from followup.protocol.locations import MAIN, Location, matches, source_label
from followup.protocol.paging import Paging
from followup.protocol.planning import Planning, SeriesPreparation
from followup.protocol.steps import Step, TreatmentOverride, check_unique_keys, merge_steps
from followup.protocol.surveys import Question, Survey

__all__ = [
    "Clinic",
    "Consent",
    "Instrument",
    "Location",
    "OnCallPerson",
    "Paging",
    "Planning",
    "Protocol",
    "Question",
    "QuietHours",
    "Replies",
    "SeriesPreparation",
    "Step",
    "Survey",
    "check_timezone",
    "describe_protocol_error",
    "load_protocol",
    "parse_duration",
    "parse_protocol",
    "reveals_treatment",
]


class Protocol(Strict):
    clinic: Clinic
    quiet_hours: QuietHours = QuietHours()
    default_treatment: str = Field(default="depression", pattern=r"^[a-z][a-z0-9_-]*$")
    default_duration: Duration = timedelta(minutes=90)
    fasting_hours: int = Field(default=6, ge=0, le=24)
    steps: list[Step] = Field(min_length=1)
    treatments: dict[str, TreatmentOverride] = Field(default_factory=dict)
    replies: Replies = Replies()
    planning: Planning = Planning()
    consent: Consent = Consent()
    paging: Paging = Paging()
    on_call: list[OnCallPerson] = Field(default_factory=list, validate_default=True)
    surveys: dict[Slug, Survey] = Field(default_factory=dict)
    instruments: dict[Slug, Instrument] = Field(default_factory=dict)
    # A clinic network's sites; none: the one clinic of [clinic], called "main".
    locations: dict[Slug, Location] = Field(default_factory=dict)
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
        check_unique_keys(self.steps, "steps")
        resolved = {self.default_treatment: tuple(s for s in self.steps if s.enabled)}
        for name, override in self.treatments.items():
            resolved[name] = merge_steps(self.steps, override.steps, f"treatments.{name}.steps")
        object.__setattr__(self, "resolved", resolved)
        return self

    @model_validator(mode="after")
    def _evening_before_has_its_step(self) -> Protocol:
        if self.planning.series_preparation != "evening_before":
            return self
        for treatment, steps in self.resolved.items():
            if not any(s.kind == "next_infusion" and s.local_time for s in steps):
                raise ValueError(
                    "planning.series_preparation: 'evening_before' sends the step of kind "
                    "next_infusion the evening before each later infusion of a series, at its "
                    f"local_time; treatment {treatment!r} has none (add one, or choose "
                    "'discharge')"
                )
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

    @model_validator(mode="after")
    def _location_phones(self) -> Protocol:
        located = {}
        for key, location in self.locations.items():
            try:
                located[key] = location.with_phones(self.clinic.country)
            except ValueError as exc:
                raise ValueError(f"locations.{key}.{exc}") from None
        object.__setattr__(self, "locations", located)
        return self

    @property
    def location_keys(self) -> tuple[str, ...]:
        """Every location's key, the default (first) one first."""
        return tuple(self.locations) or (MAIN,)

    def location_key(self, key: str | None) -> str:
        """The location a stored key stands for: itself, or the default (first) location
        for none or a key the protocol no longer has (rows from before the network)."""
        return key if key in self.locations else self.location_keys[0]

    def clinic_at(self, key: str | None) -> Clinic:
        """The clinic as a location's patients see it: its name, zone, numbers, address."""
        location = self.locations.get(self.location_key(key))
        if location is None:
            return self.clinic
        return self.clinic.model_copy(
            update={
                "name": location.name,
                "timezone": location.timezone,
                "phone": location.phone,
                "on_call_phone": location.on_call_phone,
                "address": location.address or self.clinic.address,
                "crisis_line": location.crisis_line or self.clinic.crisis_line,
                "emergency_number": location.emergency_number or self.clinic.emergency_number,
            }
        )

    def on_call_at(self, key: str | None) -> list[OnCallPerson]:
        """Who is paged for a location's alerts: its own list, else the network's."""
        location = self.locations.get(self.location_key(key))
        return (location.on_call if location is not None else None) or self.on_call

    def sender_at(self, key: str | None) -> str | None:
        """A location's own Twilio sender (a number or a Messaging Service SID), if any."""
        location = self.locations.get(self.location_key(key))
        if location is None:
            return None
        return location.twilio_messaging_service_sid or location.twilio_from_number

    def template_at(self, key: str | None, template: str) -> str:
        """The template a location sends in place of `template` (its own, or the same)."""
        location = self.locations.get(self.location_key(key))
        return location.templates.get(template, template) if location else template

    def location_of_source(self, source: str) -> str | None:
        """The location whose `calendars` name this source, if any."""
        label = source_label(source).casefold()
        return next(
            (k for k, loc in self.locations.items() if label in map(str.casefold, loc.calendars)),
            None,
        )

    def location_by_number(self, number: str) -> str | None:
        """The location whose phone or Twilio sender is this number (E.164), if any."""
        return next(
            (
                key
                for key, loc in self.locations.items()
                if number and number in (loc.phone, loc.twilio_from_number)
            ),
            None,
        )

    def location_named(self, said: str) -> str | None:
        """The location a calendar's LOCATION text or CSV column names, if any."""
        return next((k for k, loc in self.locations.items() if matches(loc, k, said)), None)

    @model_validator(mode="after")
    def _check_instruments(self) -> Protocol:
        both = sorted(set(self.surveys) & set(self.instruments))
        if both:
            raise ValueError(
                f"instruments.{both[0]}: a survey has the same key; give one another name"
            )
        defined = ", ".join(sorted(self.instruments)) or "none"
        for treatment, steps in self.resolved.items():
            for step in steps:
                for key in step.instruments:
                    if key not in self.instruments:
                        where = (
                            f"treatments.{treatment}.steps"
                            if treatment in self.treatments
                            else "steps"
                        )
                        raise ValueError(
                            f"{where} (step {step.key!r}).instrument: no instrument {key!r} "
                            f"is defined under [instruments] (defined: {defined})"
                        )
        return self

    def instrument_sequence(self, key: str) -> tuple[tuple[str, Instrument], ...] | None:
        """The instruments a conversation asks ("phq9+gad7"), or None for a survey's."""
        keys = key.split("+")
        if not all(k in self.instruments for k in keys):
            return None
        return tuple((k, self.instruments[k]) for k in keys)

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
        # A relative default read from another folder is the usual cause: name where
        # it was looked for (settings look in the folders above too) and how to set it.
        where = "" if path.is_absolute() else f" in {Path.cwd()} or any folder above it"
        raise ProtocolError(
            f"{path}: cannot read the protocol file{where} ({exc.strerror}); "
            "set FOLLOWUP_PROTOCOL_FILE to its path, or run followup inside the project's folder"
        ) from None
    return parse_protocol(text, str(path))
