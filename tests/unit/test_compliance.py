"""The carriers' rules as pure checks, the clinic's shipped texts held to them, and the
registration kit rendered from the sample clinic. No database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from followup.compliance.gather import kit_facts
from followup.compliance.kit import kit_problems, render_kit
from followup.compliance.rules import (
    first_message_problems,
    has_link,
    has_phone_number,
    message_problems,
    missing_elements,
)
from followup.compliance.texts import check_compliance, disclosure
from followup.messages.check import check_candidate
from followup.messages.context import reply_context
from followup.messages.render import Renderer
from followup.protocol import Protocol
from tests.conftest import ROOT

PUBLIC = "https://followup.lakeside.example.org"
GOOD_CONFIRMATION = (
    "Lakeside Infusion Clinic: texts about your appointments. Msg frequency varies. "
    "Msg & data rates may apply. Reply HELP for help, STOP to opt out."
)


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(ROOT / "templates")


@pytest.fixture
def context(protocol: Protocol) -> dict[str, object]:
    return reply_context(protocol, "en")


def test_a_confirmation_with_every_element_passes(context: dict[str, object]) -> None:
    assert missing_elements("reply_start", GOOD_CONFIRMATION, context) == []


@pytest.mark.parametrize(
    ("cut", "element"),
    [
        ("Lakeside Infusion Clinic: ", "the brand"),
        ("about your appointments", "what the messages are about"),
        ("Msg frequency varies. ", "how often"),
        ("Msg & data rates may apply. ", "Msg & data rates may apply"),
        ("Reply HELP for help, ", "HELP"),
        (", STOP to opt out", "STOP"),
    ],
)
def test_a_confirmation_missing_an_element_is_named_with_the_twilio_error(
    context: dict[str, object], cut: str, element: str
) -> None:
    [problem] = missing_elements("reply_start", GOOD_CONFIRMATION.replace(cut, ""), context)
    assert element in problem and "30540" in problem


def test_the_disclosure_must_link_the_privacy_policy(context: dict[str, object]) -> None:
    text = GOOD_CONFIRMATION + " Privacy: https://lakeside.example.org/privacy"
    assert missing_elements("optin_disclosure", text, context) == []
    [problem] = missing_elements("optin_disclosure", GOOD_CONFIRMATION, context)
    assert "privacy policy" in problem and "30513" in problem


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Your ketamine infusion is tomorrow", "names a drug ('ketamin')"),
        ("Su infusión de KETAMINA es mañana", "names a drug"),
        ("About your Spravato session", "names a drug ('spravato')"),
        ("Details: https://bit.ly/3abc", "link shortener (bit.ly)"),
        ("See tinyurl.com/clinic", "link shortener (tinyurl.com)"),
    ],
)
def test_a_drug_name_or_a_link_shortener_is_a_problem(text: str, found: str) -> None:
    [problem] = message_problems(text)
    assert found in problem and "30007" in problem


def test_the_crisis_lifeline_and_the_clinics_own_links_are_fine() -> None:
    text = "Call or text 988 (Suicide & Crisis Lifeline). https://lakeside.example.org/care"
    assert message_problems(text) == []
    assert has_link(text) and has_phone_number(text)
    assert not has_link("Reply YES") and not has_phone_number("Reply YES")


def test_a_first_message_must_say_how_to_opt_out() -> None:
    assert first_message_problems("See you soon. Reply STOP to opt out.") == []
    [problem] = first_message_problems("See you soon.")
    assert "Reply STOP to opt out" in problem


def test_the_shipped_texts_pass_every_rule(renderer: Renderer, protocol: Protocol) -> None:
    assert check_compliance(renderer, protocol) == []


def broken_copy(tmp_path: Path) -> Path:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    reminder = templates / "en" / "reminder" / "sms.txt.j2"
    reminder.write_text(reminder.read_text().replace("{{ reply_hint }}", "") + " ketamine")
    booster = templates / "es" / "booster" / "sms.txt.j2"
    booster.write_text(booster.read_text() + " https://bit.ly/x")
    start = templates / "en" / "reply_start" / "sms.txt.j2"
    start.write_text(start.read_text().replace("Msg & data rates may apply. ", ""))
    return templates


def test_broken_templates_are_named_with_the_rule_they_break(
    tmp_path: Path, protocol: Protocol
) -> None:
    templates = broken_copy(tmp_path)
    problems = check_compliance(Renderer(templates), protocol)
    joined = "\n".join(problems)
    assert "en/reminder/sms.txt.j2: names a drug ('ketamin')" in joined
    assert "en/reminder/sms.txt.j2: the first message of a series must say how to opt out" in joined
    assert "es/booster/sms.txt.j2: uses a link shortener (bit.ly)" in joined
    assert 'en/reply_start/sms.txt.j2: must state "Msg & data rates may apply"' in joined
    assert len(problems) == 4, joined


def test_the_template_editor_refuses_a_confirmation_that_drops_an_element(
    renderer: Renderer, protocol: Protocol
) -> None:
    problems = check_candidate(
        renderer, protocol, "reply_start", "en", "sms.txt", "{{ clinic_name }}: welcome!"
    )
    assert any("Msg & data rates may apply" in p for p in problems)
    assert any("STOP" in p for p in problems)


def test_the_kit_is_rendered_from_the_sample_clinics_real_templates_and_checked(
    renderer: Renderer, protocol: Protocol
) -> None:
    facts = kit_facts(renderer, protocol, PUBLIC, "+14025550100")
    kit = render_kit(facts)
    assert kit_problems(facts) == [] and "Every rule checked passes." in kit
    assert f"{PUBLIC}/optin" in kit and disclosure(renderer, protocol, "en").text in kit
    samples = [step for step, _ in facts.samples]
    # One of each template, in the protocol's order: day 7 asks the rating scales.
    assert samples == ["preparation", "reminder", "discharge", "checkin_day1", "checkin_day7"]
    for step, text in facts.samples:
        assert f"({step}):" in kit and text in kit
        assert "Lakeside Infusion Clinic" in text and "Reply STOP to opt out." in text
        assert 20 <= len(text) <= 1024
    for field in ("Opt-out keywords: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE",
                  "Help message: Lakeside Infusion Clinic: for help, call us at (402) 555-0100",
                  "Opt-in message: Lakeside Infusion Clinic: you are signed up",
                  "at most 4 a day", "Embedded links: No", "Embedded phone numbers: Yes",
                  "Privacy policy: https://lakeside.example.org/privacy"):  # fmt: skip
        assert field in kit, field


def test_the_kit_says_what_is_missing_before_review(tmp_path: Path, protocol: Protocol) -> None:
    facts = kit_facts(Renderer(broken_copy(tmp_path)), protocol, None)
    problems = kit_problems(facts)
    assert any("FOLLOWUP_PUBLIC_URL is not set" in p for p in problems)
    assert any("names a drug" in p for p in problems)
    assert "NOT READY: " in render_kit(facts)
