"""Check every template the protocol uses before a patient's message depends on it.

Backs `followup templates check`: each step's template is rendered with the sample context,
in every language folder, with and without a next appointment booked, as the first and as
a later infusion of a series, asking the ride question or not, and every problem is
reported as one `file:line: message` line an editor can jump to. Given the Renderer with
staff edits, it checks what the worker will send: a problem in an edited part says so.

`check_candidate` applies the same rules to one part's unsaved text from the web editor,
including the reply templates (`REPLY_TEMPLATES`), which no step sends: those are rendered
with `reply_context` instead, and the crisis reply must keep its numbers (`reply_rules`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from followup.compliance.rules import message_problems, missing_elements
from followup.core.errors import RenderError
from followup.messages.context import reply_context, sample_context
from followup.messages.render import FALLBACK_LANGUAGE, Channel, Renderer, RenderTimeout
from followup.messages.segments import SegmentCount, count_segments
from followup.protocol import Protocol, Step

# Twilio's 1600-character cap is about ten GSM-7 segments; past ten, each message costs
# over ten times a single text and older phones show it in pieces.
SEGMENT_LIMIT = 10

PARTS: dict[Channel, tuple[str, ...]] = {
    "sms": ("sms.txt",),
    "email": ("email_subject.txt", "email_body.txt", "email_body.html"),
}
# What the inbound pipeline answers a patient's text with (see replies.handle._Replies):
# SMS only, rendered with `reply_context`, never sent by a protocol step.
REPLY_TEMPLATES = (
    "reply_stop",
    "reply_start",
    "reply_help",
    "reply_unknown_sender",
    "reply_crisis",
    "reply_emergency",
    "reply_urgent",
    "reply_confirmed",
    "reply_call_requested",
    "reply_received",
    "reply_unclear_stop",
)
REPLY_PART = "sms.txt"
# A reply is checked for a patient, and as for a number that matches no patient (no name).
REPLY_FIRST_NAMES = ("Ana", "")
# The same rule the roster applies to a patient's language, so every folder a patient can
# be sent from is checked, and helper folders such as "_shared" are not.
_LANGUAGE_DIR = re.compile(r"^[a-z]{2,3}$")
# RenderError messages that start with the loader name of the file at fault.
_NAMED = re.compile(r"^(?P<name>[^\s:]+\.j2):(?P<rest>.*)$", re.DOTALL)
# Channel-level RenderErrors ("reminder email subject is ... characters") name the part.
_EMAIL_PART = {"subject": "email_subject.txt", "text": "email_body.txt", "html": "email_body.html"}
_EMAIL_PART_WORD = re.compile(r"\bemail (subject|text|html)\b")


def check_templates(
    templates_dir: Path, protocol: Protocol, renderer: Renderer | None = None
) -> list[str]:
    """Render every template each protocol step uses; return the problems, sorted, or [].

    `renderer` (over `templates_dir`) brings staff edits; without it, the files alone.
    """
    renderer = renderer or Renderer(templates_dir)
    problems: set[str] = set()
    for (template, channel), step in _first_senders(protocol).items():
        for part in PARTS[channel]:
            path = templates_dir / FALLBACK_LANGUAGE / template / f"{part}.j2"
            if not path.is_file():
                problems.add(f"{path}: missing (step '{step.key}' sends {channel})")
    # The worst SMS per file over languages and contexts, so each file is reported once.
    worst_sms: dict[Path, tuple[int, str]] = {}
    for language in languages(templates_dir):
        for step, channel in _sends(protocol):
            for context in sample_contexts(protocol, language, step):
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
                    message = _segments_message(rendered.text) + _edited(renderer, name)
                    worst_sms[templates_dir / name] = (segments, message)
    problems.update(f"{path}: {message}" for path, (_, message) in worst_sms.items())
    return sorted(problems)


def check_candidate(
    renderer: Renderer, protocol: Protocol, template: str, language: str, part: str, body: str
) -> list[str]:
    """Problems with unsaved text for one part, as `name:line: reason` lines, or [].

    The text is rendered as every step that sends this part would render it, with and
    without a next appointment booked, so a variable that is only there sometimes, a
    syntax error or a reach past the sandbox is refused before any patient depends on it.
    A reply template is rendered as a reply instead (see `_check_reply_candidate`).
    """
    if template in REPLY_TEMPLATES:
        return _check_reply_candidate(renderer, protocol, template, language, part, body)
    channel: Channel = "sms" if part == "sms.txt" else "email"
    steps = [step for step, ch in _sends(protocol) if step.template == template and ch == channel]
    if part not in PARTS[channel] or not steps:
        return [f"{language}/{template}/{part}.j2: no protocol step sends this part"]
    problems: set[str] = set()
    for step in steps:
        for context in generated_contexts(protocol, language, step):
            try:
                text = renderer.render_candidate(template, language, part, body, context)
            except RenderTimeout as exc:
                return [" ".join(str(exc).split())]  # one is enough: no more waiting
            except RenderError as exc:
                problems.add(" ".join(str(exc).split()))
                # One problem a step is enough to refuse the text; rendering on would only
                # repeat it (a template that includes itself takes a third of a second a try).
                break
            if channel == "sms" and count_segments(text).segments > SEGMENT_LIMIT:
                problems.add(f"{language}/{template}/{part}.j2: {_segments_message(text)}")
    return sorted(problems)


def sample_contexts(protocol: Protocol, language: str, step: Step) -> list[dict[str, Any]]:
    """The sample contexts that between them take every branch a step's template has.

    With and without a next appointment, first and later in a series, with the ride
    question asked or not whatever the protocol's `series_preparation` (so a clinic that
    changes it later finds a broken branch now), and sent the day before.
    """
    contexts = [
        sample_context(
            protocol, language, step, next_appointment=next_appointment, later_in_series=later
        )
        for next_appointment in (True, False)
        for later in (False, True)
    ]
    first, later = contexts[0], contexts[1]  # both with a next appointment
    return [
        *contexts,
        {**first, "ask_ride": not first["ask_ride"]},
        {**later, "ask_ride": not later["ask_ride"]},
        {**first, "appointment_tomorrow": True},
    ]


# Patients an edit must render for, beyond the sample: no first name on file, a long
# double-barrelled one, one with letters outside ASCII.
GENERATED_FIRST_NAMES = ("Ana", "", "Maria-Guadalupe Alexandra", "Zoë")


def generated_contexts(protocol: Protocol, language: str, step: Step) -> list[dict[str, Any]]:
    """The contexts a step's text is checked in: every generated patient, every treatment
    (the default one too), with and without a next infusion booked; and the sample
    patient's infusion later in its series, asking about the ride or not, the day before."""
    treatments = [None, *sorted(protocol.treatments)]
    generated = [
        sample_context(
            protocol,
            language,
            step,
            first_name=first_name,
            next_appointment=next_appointment,
            treatment=treatment,
        )
        for first_name in GENERATED_FIRST_NAMES
        for treatment in treatments
        for next_appointment in (True, False)
    ]
    return [*sample_contexts(protocol, language, step), *generated]


def _check_reply_candidate(
    renderer: Renderer, protocol: Protocol, template: str, language: str, part: str, body: str
) -> list[str]:
    """`check_candidate` for a reply: rendered for a patient and for an unknown sender."""
    name = f"{language}/{template}/{part}.j2"
    if part != REPLY_PART:
        return [f"{name}: replies to patients' texts are SMS only"]
    problems: set[str] = set()
    for first_name in REPLY_FIRST_NAMES:
        context = reply_context(protocol, language, first_name)
        try:
            text = renderer.render_candidate(template, language, part, body, context)
        except RenderError as exc:
            problems.add(" ".join(str(exc).split()))
            continue
        if count_segments(text).segments > SEGMENT_LIMIT:
            problems.add(f"{name}: {_segments_message(text)}")
        problems.update(reply_rules(protocol, template, language, text))
        # START's confirmation, HELP and STOP must keep what carriers require.
        problems.update(
            f"{name}: {why}"
            for why in missing_elements(template, text, context) + message_problems(text)
        )
    return sorted(problems)


# The numbers each alarm reply must give whatever staff write, and to whom it goes.
REQUIRED_NUMBERS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "reply_crisis": (
        "people in crisis",
        (("the crisis line", "crisis_line"), ("the on-call phone", "on_call_phone")),
    ),
    "reply_emergency": (
        "people with a medical emergency",
        (("the emergency number", "emergency_number"), ("the on-call phone", "on_call_phone")),
    ),
    "reply_urgent": ("people with an urgent problem", (("the on-call phone", "on_call_phone"),)),
}


# The replies that go with an alert: their delivery failures are written on the alert.
ALARM_REPLIES = frozenset(REQUIRED_NUMBERS)


def required_numbers(protocol: Protocol, template: str, language: str) -> list[tuple[str, str]]:
    """(what, number) an alarm reply must give, formatted as its context formats them."""
    if template not in REQUIRED_NUMBERS:
        return []
    context = reply_context(protocol, language)
    return [(what, str(context[key])) for what, key in REQUIRED_NUMBERS[template][1]]


def reply_rules(protocol: Protocol, template: str, language: str, text: str) -> list[str]:
    """What a rendered reply must say whatever staff write: an alarm reply's numbers.

    People in crisis must always be given the crisis line and the on-call phone, people
    with a medical emergency the emergency number and the on-call phone, people with an
    urgent problem the on-call phone; an edit that loses one is refused. Other replies
    have no such rule: [].
    """
    wanted = required_numbers(protocol, template, language)
    missing = [f"{what} {number}" for what, number in wanted if not _gives(text, number)]
    if not missing:
        return []
    who = REQUIRED_NUMBERS[template][0]
    kind = template.removeprefix("reply_")
    return [
        f"{language}/{template}/{REPLY_PART}.j2: the {kind} reply must give "
        f"{' and '.join(missing)}: {who} must always get them"
    ]


def _gives(text: str, number: str) -> bool:
    """Whether `number` is in `text` on its own, not as part of a longer number."""
    return re.search(rf"(?<!\d){re.escape(number)}(?!\d)", text) is not None


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
    # A location's own templates are sent in place of the ones they replace: check them too.
    for location in protocol.locations.values():
        for step, channel in list(sends):
            own = location.templates.get(step.template)
            key = (own or "", step.key, step.kind, step.day_after, channel)
            if own is not None and key not in seen:
                seen.add(key)
                sends.append((step.model_copy(update={"template": own}), channel))
    return sends


def _first_senders(protocol: Protocol) -> dict[tuple[str, Channel], Step]:
    """Each (template, channel) the protocol sends, with the first step that sends it."""
    senders: dict[tuple[str, Channel], Step] = {}
    for step, channel in _sends(protocol):
        senders.setdefault((step.template, channel), step)
    return senders


def languages(templates_dir: Path) -> list[str]:
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
            problems.add(_located(renderer, str(exc)))
    return problems


def _located(renderer: Renderer, message: str) -> str:
    """Prefix the renderer's `name:line: message` with the templates folder, on one line."""
    match = _NAMED.match(message)
    if match:
        message = f"{renderer.templates_dir / match['name']}:{match['rest']}"
        message += _edited(renderer, match["name"])
    return " ".join(message.split())


def _edited(renderer: Renderer, name: str) -> str:
    """A note for a part that renders from a web edit: its line numbers are the edit's."""
    if renderer.overridden(name):
        return " (in the web edit of this template, not the file: see /staff/templates)"
    return ""


def _channel_problem(
    renderer: Renderer, template: str, language: str, channel: Channel, exc: RenderError
) -> str:
    """Attach a whole-message error (too long, empty) to the part file that caused it."""
    message = str(exc)
    if _NAMED.match(message):
        return _located(renderer, message)
    part = PARTS[channel][0]
    if channel == "email" and (word := _EMAIL_PART_WORD.search(message)):
        part = _EMAIL_PART[word[1]]
    name = renderer.template_path(template, language, part)
    return f"{renderer.templates_dir / name}: {' '.join(message.split())}{_edited(renderer, name)}"


def _segments_message(text: str) -> str:
    count = count_segments(text)
    if count.non_gsm:
        shown = ", ".join(repr(c) for c in count.non_gsm[:5])
        more = f" and {len(count.non_gsm) - 5} more" if len(count.non_gsm) > 5 else ""
        why = f"UCS-2 because of {shown}{more}"
    else:
        why = "GSM-7"
    return f"renders to {count.segments} segments ({why}); keep SMS to {SEGMENT_LIMIT} or fewer"


def sms_sizes(
    templates_dir: Path, protocol: Protocol, renderer: Renderer | None = None
) -> list[tuple[Path, SegmentCount]]:
    """Each SMS template's size per language, rendered with the sample context."""
    renderer = renderer or Renderer(templates_dir)
    sizes: dict[Path, SegmentCount] = {}
    for language in languages(templates_dir):
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
