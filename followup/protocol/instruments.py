"""Standard rating scales (PHQ-9, GAD-7): items asked one at a time by SMS and scored.

An instrument is data, like a survey, but its wording is the published one and its
answers add up to a total read against fixed severity bands. The checks here hold the
definition to what scoring needs: answer values 0..n with no gap, bands that cover every
total once, a crisis item that exists.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from followup.protocol.fields import Slug, Strict, check_languages

# An item is one SMS with its number and the answer reminder around it.
MAX_ITEM_CHARS = 240
LOINC = r"^(LA)?\d{1,7}-\d$"


def _check_wording(value: dict[str, str]) -> dict[str, str]:
    """Published wording per language: English required. Unlike survey questions, it is not
    held to the no-diagnosis rule: changing "depressed" would make the score invalid."""
    return check_languages(value, MAX_ITEM_CHARS)


# Published wording per language.
Wording = Annotated[dict[str, str], AfterValidator(_check_wording)]


class AnswerOption(Strict):
    """One point of the answer scale ("several days" = 1) and the words that mean it."""

    value: int = Field(ge=0, le=10)
    label: Wording
    loinc: str | None = Field(default=None, pattern=LOINC)
    # Other ways patients say it, any language ("most days", "a veces").
    words: list[str] = Field(default_factory=list)

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]


class Item(Strict):
    """One item of the instrument, in its published wording."""

    key: Slug
    loinc: str = Field(pattern=LOINC)
    text: Wording

    def text_in(self, language: str) -> str:
        return self.text.get(language) or self.text["en"]


class Band(Strict):
    """A severity band of the total score, inclusive at both ends."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)
    label: Wording

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]


class Instrument(Strict):
    """A scored questionnaire: its items, answer scale, bands and what counts as a crisis."""

    name: str = Field(min_length=1, max_length=40)  # "PHQ-9": staff pages only, never SMS
    loinc: str = Field(pattern=LOINC)  # the panel
    total_loinc: str = Field(pattern=LOINC)
    # "Over the last 2 weeks, how often have you been bothered by ...": before item 1.
    stem: Wording
    # The look-back in a few words, repeated with each later item ("Last 2 weeks").
    lookback: Wording
    options: list[AnswerOption] = Field(min_length=2)
    items: list[Item] = Field(min_length=1)
    bands: list[Band] = Field(min_length=1)
    # At most this many unanswered items still give a total: the answered items' mean
    # times the number of items, rounded (the instruments' own guidance). More: no total.
    max_missing: int = Field(default=0, ge=0)
    # An answer at or above `crisis_at_or_above` to this item opens the crisis path.
    crisis_item: Slug | None = None
    crisis_at_or_above: int = Field(default=1, ge=1)
    # Per series: a response is a drop of at least this fraction from the baseline total,
    # a remission a total below `remission_below`.
    response_drop: float = Field(default=0.5, gt=0, le=1)
    remission_below: int | None = Field(default=None, ge=1)
    # An alert for staff when a total reaches this; None: totals alone never alert.
    alert_at_or_above: int | None = None
    alert_severity: str = Field(default="high", pattern=r"^(low|medium|high)$")

    @model_validator(mode="after")
    def _scores_add_up(self) -> Instrument:
        values = [option.value for option in self.options]
        if values != list(range(len(values))):
            raise ValueError(
                f"options: values must run 0, 1, 2 ... in order with no gap (found {values})"
            )
        keys = [item.key for item in self.items]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"items: item key {key!r} appears twice")
        if self.max_missing >= len(self.items):
            raise ValueError(f"max_missing: must be fewer than the {len(self.items)} items")
        expected = 0
        for index, band in enumerate(self.bands):
            if band.min != expected or band.max < band.min:
                raise ValueError(
                    f"bands[{index}]: should start at {expected} (bands cover every total "
                    f"from 0 to {self.max_total} once, in order)"
                )
            expected = band.max + 1
        if expected != self.max_total + 1:
            raise ValueError(f"bands: the last band should end at {self.max_total}")
        if self.crisis_item is not None and self.crisis_item not in keys:
            raise ValueError(f"crisis_item: {self.crisis_item!r} is not one of the item keys")
        if self.crisis_at_or_above > self.max_value:
            raise ValueError(f"crisis_at_or_above: above the highest answer {self.max_value}")
        return self

    @property
    def max_value(self) -> int:
        return len(self.options) - 1

    @property
    def max_total(self) -> int:
        return self.max_value * len(self.items)

    def band_for(self, total: int) -> Band:
        """The band a total falls in."""
        return next(band for band in self.bands if band.min <= total <= band.max)

    def is_crisis(self, item: int, value: int | None) -> bool:
        """True when this answer to item number `item` (0-based) opens the crisis path."""
        return (
            value is not None
            and self.crisis_item is not None
            and self.items[item].key == self.crisis_item
            and value >= self.crisis_at_or_above
        )
