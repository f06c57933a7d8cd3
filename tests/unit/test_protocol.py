from __future__ import annotations

from datetime import time, timedelta

import pytest

from followup.core.errors import ProtocolError
from followup.protocol import parse_duration, parse_protocol
from tests.conftest import ROOT

SHIPPED = (ROOT / "config" / "protocol.toml").read_text()


def test_shipped_protocol_has_the_default_ketamine_steps() -> None:
    protocol = parse_protocol(SHIPPED)
    steps = {s.key: s for s in protocol.steps_for(None)}
    assert steps["preparation"].before_start == timedelta(hours=48)
    assert steps["reminder"].before_start == timedelta(hours=2)
    assert steps["discharge"].after_end == timedelta(0) and steps["discharge"].quiet_hours_exempt
    assert [(s.day_after, s.local_time) for s in steps.values() if s.day_after] == [
        (1, time(10)),
        (3, time(10)),
        (7, time(10)),
        (1, time(18)),
        (28, time(10)),
    ]
    # The rating scales: a baseline the day before each series, and again on day 7.
    assert steps["scales_baseline"].before_start == timedelta(hours=24)
    assert steps["scales_baseline"].first_of_series_only
    assert steps["scales_baseline"].instruments == ("phq9", "gad7")
    assert steps["checkin_day7"].instruments == ("phq9", "gad7")
    assert steps["next_infusion"].requires_next_appointment
    assert (protocol.quiet_hours.start, protocol.quiet_hours.end) == (time(21), time(8))
    assert protocol.clinic.crisis_line == "988"


def test_treatment_override_merges_by_key() -> None:
    protocol = parse_protocol(SHIPPED)
    pain = {s.key: s for s in protocol.steps_for("pain")}
    assert pain["checkin_day7"].channels == ["sms"]
    assert "checkin_day14" in pain
    assert protocol.fasting_hours_for("pain") == 8
    assert protocol.steps_for("unknown-treatment") == protocol.steps_for(None)


def test_override_can_disable_a_step() -> None:
    text = SHIPPED + '\n[[treatments.quiet.steps]]\nkey = "reminder"\nenabled = false\n'
    assert "reminder" not in {s.key for s in parse_protocol(text).steps_for("quiet")}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('local_time = "10:00"', 'local_time = "25:00"'), "steps[3].local_time"),
        (
            ('before_start = "48h"', 'before_start = "two days"'),
            "steps[0].before_start: 'two days' is not a duration",
        ),
        (
            ('timezone = "America/Chicago"', 'timezone = "Mars/Olympus"'),
            "clinic.timezone: 'Mars/Olympus' is not an IANA time zone",
        ),
        (('kind = "reminder"', 'kind = "remind"'), "steps[1].kind"),
        (
            ('on_call_phone = "(402) 555-0199"', 'on_call_phone = "call us"'),
            "clinic: on_call_phone",
        ),
        (
            ("[quiet_hours]", "[quiet_hours]\nstrat = 1"),
            "quiet_hours.strat: Extra inputs are not permitted",
        ),
        (('key = "reminder"', 'key = "preparation"'), "step key 'preparation' appears twice"),
        (
            ('after_end = "0m"', 'after_end = "0m"\nbefore_start = "1h"'),
            "needs exactly one of before_start, after_end or day_after",
        ),
        (("[clinic]", "[clinic"), "line"),
    ],
)
def test_invalid_protocol_names_the_key(change: tuple[str, str], expected: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(SHIPPED.replace(*change, 1), "config/protocol.toml")
    message = str(caught.value)
    assert message.startswith("config/protocol.toml: ")
    assert expected in message


@pytest.mark.parametrize(
    ("text", "minutes"), [("48h", 2880), ("0m", 0), ("90m", 90), ("1h30m", 90), ("2d", 2880)]
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "name", ["Omaha Ketamine Center", "Lakeside Depression & Wellness", "Clínica Psiquiátrica Sol"]
)
def test_clinic_name_that_reveals_the_treatment_is_refused(name: str) -> None:
    with pytest.raises(
        ProtocolError, match=r"clinic\.name: goes into every message and must not name a drug"
    ):
        parse_protocol(SHIPPED.replace('name = "Lakeside Infusion Clinic"', f'name = "{name}"'))
