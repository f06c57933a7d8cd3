"""Render the clinic's real texts and hold them to the carriers' rules (`rules`).

Backs the start-up check, `followup compliance check` and the registration kit: the
consent texts (the opt-in disclosure, START's confirmation, HELP and STOP) in every
language, and every message the protocol sends, rendered as the worker would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from followup.compliance.rules import (
    first_message_problems,
    message_problems,
    missing_elements,
)
from followup.core.errors import RenderError
from followup.messages.check import languages, sample_contexts
from followup.messages.context import reply_context, sample_context
from followup.messages.render import Channel, Renderer
from followup.protocol import Protocol, Step

DISCLOSURE = "optin_disclosure"
DISCLOSURE_PART = "web.txt"
# The consent texts besides the disclosure: replies, SMS only.
CONSENT_REPLIES = ("reply_start", "reply_help", "reply_stop")


@dataclass(frozen=True, slots=True)
class Text:
    """One rendered text and the file it came from."""

    name: str  # the loader name, e.g. en/reply_start/sms.txt.j2
    text: str


def disclosure(renderer: Renderer, protocol: Protocol, language: str) -> Text:
    """The opt-in disclosure exactly as the page shows it, on one line."""
    context = reply_context(protocol, language)
    name = renderer.template_path(DISCLOSURE, language, DISCLOSURE_PART)
    raw = renderer.render_part(DISCLOSURE, language, DISCLOSURE_PART, context)
    return Text(name, " ".join(raw.split()))


def consent_reply(renderer: Renderer, protocol: Protocol, template: str, language: str) -> Text:
    """A consent reply (START's confirmation, HELP, STOP) as a patient would get it."""
    context = reply_context(protocol, language)
    name = renderer.template_path(template, language, "sms.txt")
    return Text(name, renderer.render(template, language, "sms", context).text)


def consent_problems(renderer: Renderer, protocol: Protocol, language: str) -> list[str]:
    """What the consent texts of one language leave out, as `file: reason` lines."""
    context = reply_context(protocol, language)
    problems: list[str] = []
    if not protocol.consent.privacy_url:
        problems.append(
            "protocol [consent] privacy_url is not set: the opt-in must link to the "
            "clinic's privacy policy (Twilio 30513, 30841)"
        )
    for template in (DISCLOSURE, *CONSENT_REPLIES):
        try:
            text = (
                disclosure(renderer, protocol, language)
                if template == DISCLOSURE
                else consent_reply(renderer, protocol, template, language)
            )
        except RenderError as exc:
            problems.append(f"{language}/{template}: does not render: {' '.join(str(exc).split())}")
            continue
        problems += [
            f"{text.name}: {why}" for why in missing_elements(template, text.text, context)
        ]
        problems += [f"{text.name}: {why}" for why in message_problems(text.text)]
    return problems


def sends(protocol: Protocol) -> list[tuple[Step, Channel]]:
    """Each step and channel the protocol sends, every treatment's, each once."""
    seen: set[tuple[str, str, Channel]] = set()
    found: list[tuple[Step, Channel]] = []
    for steps in protocol.resolved.values():
        for step in steps:
            for channel in step.channels:
                if (step.template, step.key, channel) not in seen:
                    seen.add((step.template, step.key, channel))
                    found.append((step, channel))
    return found


def message_text(
    renderer: Renderer, step: Step, language: str, channel: Channel, context: dict[str, Any]
) -> str:
    """A step's message as sent: the SMS, or the email's subject and text."""
    rendered = renderer.render(step.template, language, channel, context)
    return rendered.text if channel == "sms" else f"{rendered.subject}\n{rendered.text}"


def step_problems(renderer: Renderer, protocol: Protocol, language: str) -> list[str]:
    """What the protocol's messages in one language carry that carriers filter, and a
    first message of a series that does not say how to opt out."""
    problems: set[str] = set()
    for step, channel in sends(protocol):
        part = "sms.txt" if channel == "sms" else "email_body.txt"
        try:
            name = renderer.template_path(step.template, language, part)
        except RenderError:
            continue  # `templates check` reports a missing template
        for context in sample_contexts(protocol, language, step):
            try:
                text = message_text(renderer, step, language, channel, context)
            except RenderError:
                continue  # and one that does not render
            problems.update(f"{name}: {why}" for why in message_problems(text))
        if channel == "sms":
            # Any step may be the first a patient gets in a series: a rule (the daily
            # cap, quiet hours) can drop the preparation and leave the reminder first.
            first = sample_context(protocol, language, step)
            try:
                text = message_text(renderer, step, language, channel, first)
            except RenderError:
                continue
            problems.update(f"{name}: {why}" for why in first_message_problems(text))
    return sorted(problems)


def check_compliance(renderer: Renderer, protocol: Protocol) -> list[str]:
    """Every problem a carrier review or filter would find, in every language; [] when
    the clinic's texts are ready."""
    problems: list[str] = []
    for language in languages(renderer.templates_dir):
        problems += consent_problems(renderer, protocol, language)
        problems += step_problems(renderer, protocol, language)
    # The missing privacy link is said once, not once per language.
    return list(dict.fromkeys(problems))
