"""Who a call goes to, what it says, how its end is read, and its signed callbacks: pure."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from followup.alerts import call_script
from followup.alerts.call_plan import (
    BUSY,
    FAILED,
    MACHINE,
    NO_ANSWER,
    NO_KEY,
    callee,
    callers,
    calls_for,
    deadline,
    due_at,
    outcome_of,
)
from followup.alerts.call_tokens import Signer, call_token, token_matches
from followup.core.errors import ConfigError, ProtocolError
from followup.db.engine import make_engine
from followup.dispatch.calls import build_dialer
from followup.protocol import Protocol, parse_protocol, reveals_treatment
from followup.settings import Settings
from tests.conftest import ROOT

SHIPPED = (ROOT / "config" / "protocol.toml").read_text()
NOW = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
JORDAN, SAM = "+14025550142", "+14025550157"


def with_voice(text: str = SHIPPED, *, second: str = "", **paging: str) -> Protocol:
    """The shipped protocol with the first person taking calls (`second`: lines added to
    the second person), and `paging`'s keys set to these TOML values in [paging]."""
    text = text.replace(
        'email = "jordan.rivera@example.org"\n',
        'email = "jordan.rivera@example.org"\nvoice = true\n',
    )
    text = text.replace(
        'email = "sam.okafor@example.org"\n', f'email = "sam.okafor@example.org"\n{second}'
    )
    for key, value in paging.items():
        text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
    return parse_protocol(text)


def test_the_shipped_protocol_calls_nobody_until_a_person_takes_calls() -> None:
    protocol = parse_protocol(SHIPPED)
    assert protocol.paging.call_for == ["emergency", "critical"]
    assert callers(protocol) == [] and callee(protocol, 0) is None
    assert not calls_for(protocol, "critical")


def test_calls_go_in_on_call_order_for_the_rounds_then_to_the_clinic_once() -> None:
    protocol = with_voice(second='voice = true\nlanguage = "es"\n', call_rounds="2")
    people = [callee(protocol, n) for n in range(6)]
    assert [(p.phone, p.language, p.fallback) for p in people if p] == [
        (JORDAN, "en", False),
        (SAM, "es", False),
        (JORDAN, "en", False),
        (SAM, "es", False),
        (protocol.clinic.on_call_phone, "en", True),
    ]
    assert people[5] is None  # then the calling stops; SMS and email escalation goes on


def test_only_people_with_voice_are_called_and_only_for_the_severities_named() -> None:
    protocol = with_voice(call_for='["emergency"]', call_rounds="1")
    assert [p.name for p in callers(protocol)] == ["Dr. Jordan Rivera"]
    assert [callee(protocol, n).phone for n in range(2)] == [  # type: ignore[union-attr]
        JORDAN,
        protocol.clinic.on_call_phone,
    ]
    assert calls_for(protocol, "emergency")
    assert not calls_for(protocol, "critical") and not calls_for(protocol, "urgent")


def test_a_new_round_waits_the_pause_unless_someone_pressed_2() -> None:
    protocol = with_voice(second="voice = true\n", round_pause='"2m"')
    assert due_at(protocol, 1, NOW) == NOW  # the next person in the round: at once
    assert due_at(protocol, 2, NOW) == NOW + timedelta(minutes=2)  # the round again
    assert due_at(protocol, 2, NOW, at_once=True) == NOW
    assert deadline(protocol, NOW) > NOW + timedelta(seconds=30 + 120)  # ring + time limit


@pytest.mark.parametrize(
    ("status", "answered_by", "outcome"),
    [
        ("no-answer", None, NO_ANSWER),
        ("busy", None, BUSY),
        ("failed", None, FAILED),
        ("completed", "machine_start", MACHINE),
        ("completed", "machine_end_beep", MACHINE),
        ("completed", "fax", MACHINE),
        ("completed", "human", NO_KEY),  # answered, and no key: nobody took it
        ("completed", "unknown", NO_KEY),
        ("completed", None, NO_KEY),
        ("in-progress", "human", None),
        ("ringing", None, None),
    ],
)
def test_only_a_keypress_acknowledges_whatever_twilio_reports(
    status: str, answered_by: str | None, outcome: str | None
) -> None:
    assert outcome_of(status, answered_by) == outcome


@pytest.mark.parametrize("language", ["en", "es"])
def test_what_a_call_says_names_the_clinic_and_nothing_about_the_patient(language: str) -> None:
    for key in call_script.TEXTS[language]:
        words = call_script.text(language, key, clinic="Lakeside Infusion Clinic", by="Sam")
        assert not reveals_treatment(words), words
    twiml = call_script.ask(language, "Lakeside", "https://x.example/twilio/voice/key?call=1&t=a")
    assert twiml.count('<Gather numDigits="1"') == 2  # the question twice
    assert 'action="https://x.example/twilio/voice/key?call=1&amp;t=a"' in twiml
    assert f'language="{call_script.SAY_LANGUAGE[language]}"' in twiml


def test_spanish_speakers_hear_spanish_and_anyone_else_english() -> None:
    assert "Pulse 1 para confirmarla" in call_script.ask("es", "Lakeside", "https://x/k")
    assert "Press 1 to acknowledge" in call_script.ask("fr", "Lakeside", "https://x/k")


def test_a_callback_token_is_good_for_its_own_call_only() -> None:
    token = call_token("secret", 7, 3, 1)
    assert token_matches("secret", 7, 3, 1, token)
    assert not token_matches("secret", 8, 3, 1, token)  # another call
    assert not token_matches("secret", 7, 4, 1, token)  # another alert
    assert not token_matches("secret", 7, 3, 2, token)  # another attempt
    assert not token_matches("other", 7, 3, 1, token)  # another deployment's key
    assert not token_matches("secret", 7, 3, 1, token[:-1] + "0")
    urls = Signer("https://clinic.example/", "secret").urls(7, 3, 1)
    assert urls.key == f"https://clinic.example/twilio/voice/key?call=7&t={token}"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("voice = true\n", 'voice = true\nlanguage = "fr"\n'), "on_call[0]: language 'fr'"),
        (("voice = true\n", "voice = maybe\n"), "Invalid value"),
        (
            ('phone = "(402) 555-0142"\n', ""),
            "on_call[0]: voice = true needs a phone to call",
        ),
        (("call_for = [", 'call_for = ["review", '), "paging.call_for[0]"),
        (("call_rounds = 2", "call_rounds = 0"), "paging.call_rounds"),
        (('round_pause = "1m"', 'round_pause = "2h"'), "paging.round_pause"),
        (("call_for = ", "calls_for = "), "paging.calls_for: Extra inputs"),
    ],
)
def test_a_wrong_calling_setting_names_its_key(change: tuple[str, str], expected: str) -> None:
    text = SHIPPED.replace(
        'email = "jordan.rivera@example.org"\n',
        'email = "jordan.rivera@example.org"\nvoice = true\n',
    )
    with pytest.raises(ProtocolError) as error:
        parse_protocol(text.replace(*change, 1))
    assert expected in str(error.value)


def test_voice_without_the_settings_to_call_stops_start_up_naming_them() -> None:
    engine = make_engine("sqlite://")  # never connected: the check comes first
    settings = Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="real-token-value",  # type: ignore[arg-type]
        twilio_messaging_service_sid="MG" + "0" * 32,
    )
    with pytest.raises(ConfigError) as error:
        build_dialer(settings, with_voice(), engine)
    message = str(error.value)
    assert "'Dr. Jordan Rivera' has voice = true" in message
    assert "FOLLOWUP_TWILIO_FROM_NUMBER" in message and "FOLLOWUP_PUBLIC_URL" in message
    assert build_dialer(settings, parse_protocol(SHIPPED), engine) is None  # nobody calls
