"""The clinic's locations: each with its own name, zone, numbers, on-call list and sender.

A protocol without `[locations]` is one location, "main", made of `[clinic]` and the
top-level `[[on_call]]`: a single clinic needs to change nothing. A location's patients
see its name and numbers in every message; its crises page its on-call list, else the
network's.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator

from followup.core.phones import InvalidPhone, to_e164
from followup.protocol.clinic import OnCallPerson
from followup.protocol.fields import Slug, Strict, check_timezone, discreet_name

# The key of the one location a protocol without [locations] describes.
MAIN = "main"


class Location(Strict):
    """One site of the clinic network, as `[locations.<key>]` describes it."""

    name: str = Field(min_length=1, max_length=80)
    timezone: Annotated[str, BeforeValidator(check_timezone)]
    phone: str
    on_call_phone: str
    # One line for the preparation message: where to come.
    address: str = Field(default="", max_length=200)
    # A location abroad has its own crisis line and emergency number (London: 116 123,
    # 999); else the clinic's.
    crisis_line: str | None = None
    emergency_number: str | None = None
    # Paged for this location's alerts, in order; empty: the network's [[on_call]].
    on_call: list[OnCallPerson] = Field(default_factory=list)
    # This location's own Twilio sender; else the service's FOLLOWUP_TWILIO_* one.
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = Field(default=None, pattern=r"^MG[0-9a-fA-F]{32}$")
    # What a calendar event's LOCATION or a CSV row's location column says for this site,
    # besides the key itself ("Kansas City", "KC - Plaza"); compared without case.
    match: list[str] = Field(default_factory=list)
    # Templates of its own, by the name they replace: { reminder = "reminder_london" }
    # sends templates/<lang>/reminder_london/ to this location's patients.
    templates: dict[Slug, Slug] = Field(default_factory=dict)
    # This location's calendars: file names ("kansas-city.ics") or feed hosts
    # ("calendar.kc.example.org"), never a feed's full address (it carries a secret).
    calendars: list[str] = Field(default_factory=list)

    _discreet_name = field_validator("name")(staticmethod(discreet_name))

    @model_validator(mode="after")
    def _one_sender(self) -> Location:
        if self.twilio_from_number and self.twilio_messaging_service_sid:
            raise ValueError("give twilio_from_number or twilio_messaging_service_sid, not both")
        return self

    def with_phones(self, country: str) -> Location:
        """This location with every number in E.164, read in the clinic's country."""
        changes: dict[str, object] = {}
        for name in ("phone", "on_call_phone", "twilio_from_number"):
            value = getattr(self, name)
            if value:
                try:
                    changes[name] = to_e164(value, country)
                except InvalidPhone as exc:
                    raise ValueError(f"{name}: {exc}") from None
        people = []
        for index, person in enumerate(self.on_call):
            if person.phone is None:
                people.append(person)
                continue
            try:
                people.append(person.model_copy(update={"phone": to_e164(person.phone, country)}))
            except InvalidPhone as exc:
                raise ValueError(f"on_call[{index}].phone: {exc}") from None
        changes["on_call"] = people
        return self.model_copy(update=changes)


def matches(location: Location, key: str, said: str) -> bool:
    """Whether a calendar's location text names this location (its key, or a `match`)."""
    wanted = " ".join(said.casefold().split())
    return wanted == key or any(" ".join(m.casefold().split()) == wanted for m in location.match)


def source_label(source: str) -> str:
    """What a location's `calendars` entry names of a source: "ics:kc.ics" -> "kc.ics",
    "feed:calendar.kc.example.org/1a2b3c" -> "calendar.kc.example.org", and a FHIR
    server "fhir:ehr.example.org/4d5e6f" -> "ehr.example.org"."""
    kind, _, rest = source.partition(":")
    return rest.split("/", 1)[0] if kind in ("feed", "fhir") else rest
