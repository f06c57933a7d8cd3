"""Check every template the protocol uses before a patient's message depends on it.

Backs `followup templates check`: each step's template is rendered with the sample context,
in every language folder, with and without a next appointment booked, and every problem is
reported as one `file:line: message` line an editor can jump to.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from followup.errors import RenderError
from followup.messages.context import sample_context
from followup.messages.render import FALLBACK_LANGUAGE, Channel, Renderer
from followup.messages.segments import SegmentCount, count_segments
from followup.protocol import Protocol, Step

# Twilio's 1600-character cap is about ten GSM-7 segments; past ten, each message costs
# over ten times a single text and older phones show it in pieces.
SEGMENT_LIMIT = 10

PARTS: dict[Channel, tuple[str, ...]] = {
    "sms": ("sms.txt",),
    "email": ("email_subject.txt", "email_body.txt", "email_body.html"),
}
# The same rule the roster applies to a patient's language, so every folder a patient can
# be sent from is checked, and helper folders such as "_shared" are not.
_LANGUAGE_DIR = re.compile(r"^[a-z]{2,3}$")
# RenderError messages that start with the loader name of the file at fault.
_NAMED = re.compile(r"^(?P<name>[^\s:]+\.j2):(?P<rest>.*)$", re.DOTALL)
# Channel-level RenderErrors ("reminder email subject is ... characters") name the part.
_EMAIL_PART = {"subject": "email_subject.txt", "text": "email_body.txt", "html": "email_body.html"}
_EMAIL_PART_WORD = re.compile(r"\bemail (subject|text|html)\b")


def check_templates(templates_dir: Path, protocol: Protocol) -> list[str]:
    """Render every template each protocol step uses; return the problems, sorted, or []."""
    renderer = Renderer(templates_dir)
    problems: set[str] = set()
    for (template, channel), step in _first_senders(protocol).items():
        for part in PARTS[channel]:
            path = templates_dir / FALLBACK_LANGUAGE / template / f"{part}.j2"
            if not path.is_file():
                problems.add(f"{path}: missing (step '{step.key}' sends {channel})")
    # The worst SMS per file over languages and contexts, so each file is reported once.
    worst_sms: dict[Path, tuple[int, str]] = {}
    for language in _languages(templates_dir):
        for step, channel in _sends(protocol):
            for next_appointment in (True, False):
                context = sample_context(
                    protocol, language, step, next_appointment=next_appointment
                )
                failures = _render_parts(renderer, step.template, language, channel, context)
                problems.update(failures)
                if failures or _lacks_a_part(renderer, step.template, language, channel):
                    continue
                try:
                    rendered = renderer.render(step.template, language, channel, context)
                except RenderError as exc:
                    problems.add(_channel_problem(renderer, step.template, language, channel, exc))
                    continue
                if channel != "sms":
                    continue
                segments = count_segments(rendered.text).segments
                name = renderer.template_path(step.template, language, "sms.txt")
                if segments > max(SEGMENT_LIMIT, worst_sms.get(templates_dir / name, (0, ""))[0]):
                    worst_sms[templates_dir / name] = (segments, _segments_message(rendered.text))
    problems.update(f"{path}: {message}" for path, (_, message) in worst_sms.items())
    return sorted(problems)


def _sends(protocol: Protocol) -> list[tuple[Step, Channel]]:
    """Every step and channel of every treatment, each distinct rendering once.

    The context depends on the step's key, kind and day only, so a step that treatments
    share is rendered once, while each check-in day is rendered on its own.
    """
    seen: set[tuple[str, str, str, int | None, Channel]] = set()
    sends: list[tuple[Step, Channel]] = []
    for steps in protocol.resolved.values():
        for step in steps:
            for channel in step.channels:
                key = (step.template, step.key, step.kind, step.day_after, channel)
                if key not in seen:
                    seen.add(key)
                    sends.append((step, channel))
    return sends


def _first_senders(protocol: Protocol) -> dict[tuple[str, Channel], Step]:
    """Each (template, channel) the protocol sends, with the first step that sends it."""
    senders: dict[tuple[str, Channel], Step] = {}
    for step, channel in _sends(protocol):
        senders.setdefault((step.template, channel), step)
    return senders


def _languages(templates_dir: Path) -> list[str]:
    """The language folders present, English always first since everything falls back to it."""
    found = (
        sorted(
            p.name for p in templates_dir.iterdir() if p.is_dir() and _LANGUAGE_DIR.match(p.name)
        )
        if templates_dir.is_dir()
        else []
    )
    return [FALLBACK_LANGUAGE, *(lang for lang in found if lang != FALLBACK_LANGUAGE)]


def _lacks_a_part(renderer: Renderer, template: str, language: str, channel: Channel) -> bool:
    try:
        for part in PARTS[channel]:
            renderer.template_path(template, language, part)
    except RenderError:
        return True
    return False


def _render_parts(
    renderer: Renderer, template: str, language: str, channel: Channel, context: dict[str, Any]
) -> set[str]:
    """Render each part on its own, so an error in the subject does not hide one in the body."""
    problems: set[str] = set()
    for part in PARTS[channel]:
        try:
            renderer.template_path(template, language, part)
        except RenderError:
            # Missing in English too: already reported as missing.
            continue
        try:
            renderer.render_part(template, language, part, context)
        except RenderError as exc:
            problems.add(_located(renderer.templates_dir, str(exc)))
    return problems


def _located(templates_dir: Path, message: str) -> str:
    """Prefix the renderer's `name:line: message` with the templates folder, on one line."""
    match = _NAMED.match(message)
    if match:
        message = f"{templates_dir / match['name']}:{match['rest']}"
    return " ".join(message.split())


def _channel_problem(
    renderer: Renderer, template: str, language: str, channel: Channel, exc: RenderError
) -> str:
    """Attach a whole-message error (too long, empty) to the part file that caused it."""
    message = str(exc)
    if _NAMED.match(message):
        return _located(renderer.templates_dir, message)
    part = PARTS[channel][0]
    if channel == "email" and (word := _EMAIL_PART_WORD.search(message)):
        part = _EMAIL_PART[word[1]]
    path = renderer.templates_dir / renderer.template_path(template, language, part)
    return f"{path}: {' '.join(message.split())}"


def _segments_message(text: str) -> str:
    count = count_segments(text)
    if count.non_gsm:
        shown = ", ".join(repr(c) for c in count.non_gsm[:5])
        more = f" and {len(count.non_gsm) - 5} more" if len(count.non_gsm) > 5 else ""
        why = f"UCS-2 because of {shown}{more}"
    else:
        why = "GSM-7"
    return f"renders to {count.segments} segments ({why}); keep SMS to {SEGMENT_LIMIT} or fewer"


def sms_sizes(templates_dir: Path, protocol: Protocol) -> list[tuple[Path, SegmentCount]]:
    """Each SMS template's size per language, rendered with the sample context."""
    renderer = Renderer(templates_dir)
    sizes: dict[Path, SegmentCount] = {}
    for language in _languages(templates_dir):
        for step, channel in _sends(protocol):
            if channel != "sms":
                continue
            try:
                name = renderer.template_path(step.template, language, "sms.txt")
                text = renderer.render(
                    step.template, language, "sms", sample_context(protocol, language, step)
                ).text
            except RenderError:
                continue  # check_templates reports it
            sizes.setdefault(templates_dir / name, count_segments(text))
    return sorted(sizes.items())
