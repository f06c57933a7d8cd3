"""Which template parts exist and who sends them: protocol steps, or the reply pipeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException
from sqlalchemy import Engine
from sqlmodel import Session

from followup.db.models import TemplateRevision
from followup.messages.check import PARTS, REPLY_PART, REPLY_TEMPLATES, languages, required_numbers
from followup.messages.render import Channel, Renderer
from followup.messages.revisions import PartKey, latest
from followup.protocol import Protocol, Step

PART_LABELS = {
    "sms.txt": "SMS",
    "email_subject.txt": "Email subject",
    "email_body.txt": "Email text",
    "email_body.html": "Email HTML",
}
# When the inbound pipeline answers with each reply template (see replies.handle).
REPLY_WHEN = {
    "reply_stop": "STOP or a request to stop: the patient opts out of texts and emails",
    "reply_start": "START (or YES while opted out), or the web sign-up: the opt-in confirmation",
    "reply_help": "HELP",
    "reply_unknown_sender": "Any text from a number that matches no patient",
    "reply_crisis": "Crisis language, from anyone, before anything else",
    "reply_emergency": "A medical emergency (chest pain, trouble breathing, a blood pressure"
    " of 180/120 or more ...), from anyone",
    "reply_urgent": "An urgent problem for a nurse today (urinary pain or blood, an IV site,"
    " a blood pressure of 160/100 or more)",
    "reply_confirmed": "YES confirming the ride and fasting for the next infusion",
    "reply_call_requested": "CALL: the patient asks to be called",
    "reply_received": "Anything else: passed on to the care team",
    "reply_unclear_stop": 'Maybe a request to stop ("stop, I\'m confused"): a person decides today',
}


def protocol_templates(protocol: Protocol) -> dict[str, dict[Channel, list[Step]]]:
    """Each template the protocol sends, with the steps sending it on each channel.

    Reply templates are not sent by steps: they are listed apart (`REPLY_TEMPLATES`).
    """
    found: dict[str, dict[Channel, list[Step]]] = {}
    for steps in protocol.resolved.values():
        for step in steps:
            for channel in step.channels:
                senders = found.setdefault(step.template, {}).setdefault(channel, [])
                if all(s.key != step.key for s in senders):
                    senders.append(step)
    return found


def channel_of(part: str) -> Channel:
    return "sms" if part == "sms.txt" else "email"


def is_reply(key: PartKey) -> bool:
    """A reply to a patient's text: rendered with the reply context, not a step's."""
    return key.template in REPLY_TEMPLATES


def must_give(protocol: Protocol, key: PartKey) -> list[str]:
    """The numbers a part must keep, as the editor names them ([] for most parts)."""
    return [
        f"{what} {number}"
        for what, number in required_numbers(protocol, key.template, key.language)
    ]


def cell(
    renderer: Renderer, key: PartKey, edits: dict[PartKey, TemplateRevision], protocol: Protocol
) -> dict[str, Any]:
    """One language's cell in the list: its link, and who edited it when."""
    edit = edits.get(key)
    return {
        "key": key,
        "url": url(key),
        "exists": (renderer.templates_dir / key.name).is_file(),
        "edit": edit if edit is not None and edit.body is not None else None,
        "at": local(edit.created_at, protocol) if edit else "",
    }


def part_key(
    renderer: Renderer, protocol: Protocol, language: str, template: str, part: str
) -> PartKey:
    """The part named in a URL, or 404 unless something sends it and its file exists.

    Something: a protocol step, on the part's channel; or, for a reply template, the
    inbound pipeline, which answers by SMS only.
    """
    key = PartKey(template, language, part)
    if is_reply(key):
        sent = part == REPLY_PART
    else:
        channels = protocol_templates(protocol).get(template, {})
        sent = part in PARTS["sms"] + PARTS["email"] and channel_of(part) in channels
    if (
        not sent
        or language not in languages(renderer.templates_dir)
        or not (renderer.templates_dir / key.name).is_file()
    ):
        raise HTTPException(status_code=404, detail="no such template part")
    return key


def current_text(
    engine: Engine, renderer: Renderer, key: PartKey
) -> tuple[str, TemplateRevision | None]:
    """What the part renders from now, and the edit it comes from (None: the file)."""
    with Session(engine, expire_on_commit=False) as session:
        newest = latest(session, key)
    if newest is not None and newest.body is not None:
        return newest.body, newest
    return renderer.file_source(key.name), None


def local(value: datetime, protocol: Protocol) -> str:
    """A time as the clinic reads it."""
    return value.astimezone(protocol.clinic.tz).strftime("%Y-%m-%d %H:%M")


def url(key: PartKey) -> str:
    """The editor's address for a part."""
    return "/staff/templates/" + "/".join(
        quote(p, safe="") for p in (key.language, key.template, key.part)
    )
