"""Check-in surveys: questions asked one at a time by SMS, and their answers' options."""

from __future__ import annotations

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from followup.protocol.fields import (
    QuestionType,
    Severity,
    Slug,
    Strict,
    Texts,
)


class ChoiceOption(Strict):
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


class Question(Strict):
    """One question of a survey, asked by SMS and answered by a reply."""

    key: Slug
    type: QuestionType
    text: Texts
    # A short name staff read on the alerts page ("Mood"); else the question's first sentence.
    label: Texts | None = None
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


class Survey(Strict):
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
