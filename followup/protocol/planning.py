"""How a patient's infusions are planned together: series, check-ins and the daily cap."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator

from followup.protocol.fields import Duration, Strict

# How the infusions after the first of a series are prepared (see README, "Series"):
# a line in the previous discharge message, a short message the evening before, or the
# full preparation message before every infusion.
SeriesPreparation = Literal["discharge", "evening_before", "every_infusion"]


class Planning(Strict):
    """`[planning]`: the rules that plan a patient's messages across their infusions."""

    # Infusions of one treatment whose starts are at most this far apart (wall clock in
    # the patient's zone) form a series; "0m" makes every infusion a series of its own.
    series_gap: Duration = timedelta(days=7)
    series_preparation: SeriesPreparation = "discharge"
    # A check-in is dropped when a later infusion starts before it is due or within
    # `checkin_margin` after: the patient will be seen in person.
    supersede_checkins: bool = True
    checkin_margin: Duration = timedelta(hours=12)
    # SMS a patient gets at most in one local day, the discharge message not counted;
    # 0 means no cap.
    max_sms_per_day: int = Field(default=3, ge=0, le=24)

    @field_validator("series_gap", "checkin_margin")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative")
        if value > timedelta(days=60):
            raise ValueError("must be 60 days or less")
        return value
