"""Staff pages for message templates: the list, an editor with a live preview, and history.

Everyone signed in may read templates and preview text; only admins save, roll back and
reset. A save is checked first by rendering it through the same sandboxed Renderer the
worker sends with, with sample contexts for every step that sends the part, so a typo or a
reach past the sandbox is refused with its line before any patient depends on it.

The replies to patients' texts (`reply_*`, SMS only) are edited here too: the web process
answers texts through a Renderer that reads the same edits. They are rendered with the
reply context (a sample first name, and none as for an unknown sender) instead of a step's,
and the alarm replies must keep their numbers: the crisis line, the emergency number and the
on-call phone (`reply_rules`).

Template bodies are patient-facing text and may be half-written: they are never logged.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from followup import clock
from followup.db.models import Appointment, Patient, TemplateRevision
from followup.errors import RenderError
from followup.messages.check import (
    PARTS,
    REPLY_FIRST_NAMES,
    REPLY_PART,
    REPLY_TEMPLATES,
    check_candidate,
    languages,
    reply_rules,
    required_numbers,
)
from followup.messages.context import message_context, reply_context, sample_context
from followup.messages.render import Channel, Renderer
from followup.messages.revisions import (
    PartKey,
    RevisionError,
    history,
    latest,
    newest_revisions,
    normalise_body,
    reset,
    rollback,
    save_revision,
    service_renderer,
)
from followup.messages.segments import count_segments
from followup.protocol import Protocol, Step
from followup.scheduling import ACTIVE, next_start, patient_facts
from followup.settings import Settings
from followup.web.auth import Staff, check_csrf, require_admin, require_staff
from followup.web.forms import form_fields
from followup.web.staff_pages import render_page

# A template source past this is a mistake (or an attempt to tie up the server).
MAX_BODY_CHARS = 20_000
# How many upcoming appointments the context chooser offers.
UPCOMING_LIMIT = 50
PART_LABELS = {
    "sms.txt": "SMS",
    "email_subject.txt": "Email subject",
    "email_body.txt": "Email text",
    "email_body.html": "Email HTML",
}
# When the inbound pipeline answers with each reply template (see replies.handle).
REPLY_WHEN = {
    "reply_stop": "STOP: the patient opts out of texts",
    "reply_start": "START (or YES while opted out): the patient opts back in",
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
}
DONE_MESSAGES = {
    "saved": "Saved. The next message sent uses this text.",
    "unchanged": "Nothing to save: the text is the same as the current one.",
    "rolled-back": "Rolled back. The next message sent uses that revision's text.",
    "reset": "Reset to the file default.",
}


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a unified diff and how to show it (add, remove, hunk or context)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A revision with its diffs against the one before it and against the file."""

    revision: TemplateRevision
    at: str
    current: bool
    against_previous: list[DiffLine]
    against_file: list[DiffLine]


def templates_router(settings: Settings, engine: Engine) -> APIRouter:
    """The /staff/templates pages, rendering through a Renderer that sees staff edits."""
    router = APIRouter(prefix="/staff/templates")
    renderer = service_renderer(settings.templates_dir, engine)

    @router.get("", response_class=HTMLResponse)
    def list_page(request: Request, staff: Staff = Depends(require_staff)) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        with Session(engine) as session:
            edits = newest_revisions(session)
        langs = languages(renderer.templates_dir)
        rows: list[dict[str, Any]] = []
        for template, channels in _protocol_templates(protocol).items():
            for channel, steps in channels.items():
                for part in PARTS[channel]:
                    cells = [
                        _cell(renderer, PartKey(template, language, part), edits, protocol)
                        for language in langs
                    ]
                    rows.append(
                        {
                            "template": template,
                            "steps": sorted({s.key for s in steps}),
                            "channel": channel,
                            "part": part,
                            "label": PART_LABELS[part],
                            "cells": cells,
                            # Group the table: name the template and its steps once.
                            "first": not rows or rows[-1]["template"] != template,
                            "first_of_channel": part == PARTS[channel][0],
                        }
                    )
        replies: list[dict[str, Any]] = []
        for template in REPLY_TEMPLATES:
            cells = [
                _cell(renderer, PartKey(template, language, REPLY_PART), edits, protocol)
                for language in langs
            ]
            if any(cell["exists"] for cell in cells):
                replies.append(
                    {
                        "template": template,
                        "when": REPLY_WHEN.get(template, ""),
                        "label": PART_LABELS[REPLY_PART],
                        "cells": cells,
                    }
                )
        return render_page(
            request,
            "templates_list.html",
            staff,
            languages=langs,
            rows=rows,
            replies=replies,
        )

    @router.post("/preview", response_model=None)
    async def preview(request: Request, _staff: Staff = Depends(require_staff)) -> Response:
        """Render unsaved text as it would go out; JSON for the editor's live preview."""
        check_csrf(request, {})
        try:
            data = json.loads(await request.body())
        except ValueError:
            raise HTTPException(
                status_code=400, detail="send the preview request as JSON"
            ) from None
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) for k in ("language", "template", "part", "body")
        ):
            raise HTTPException(status_code=400, detail="language, template, part and body")
        # Rendering and the database block: keep them off the event loop, which this
        # endpoint would otherwise hold on every keystroke pause of every editor open.
        answer = await run_in_threadpool(_preview_answer, request.app.state.protocol, data)
        return JSONResponse(answer)

    def _preview_answer(protocol: Protocol, data: dict[str, Any]) -> dict[str, Any]:
        key = _part_key(renderer, protocol, data["language"], data["template"], data["part"])
        body = normalise_body(data["body"])
        if len(body) > MAX_BODY_CHARS:
            return {"ok": False, "error": _too_long(key)}
        try:
            choice, step = str(data.get("context", "sample")), str(data.get("step", ""))
            context = _context(engine, protocol, key, choice, step)
            text = renderer.render_candidate(key.template, key.language, key.part, body, context)
        except RenderError as exc:
            return {"ok": False, "error": " ".join(str(exc).split())}
        refused = reply_rules(protocol, key.template, key.language, text)
        if refused:
            # Shown as the save would show it, as soon as the text loses what it must keep.
            return {"ok": False, "error": refused[0]}
        answer: dict[str, Any] = {"ok": True, "text": text, "characters": len(text)}
        if key.part == "email_body.html":
            answer["html"] = text
        if key.part == "sms.txt":
            count = count_segments(text)
            answer["sms"] = {
                "encoding": count.encoding,
                "segments": count.segments,
                "characters": count.characters,
                "per_segment": count.per_segment,
                # With the code point: a no-break space or a look-alike is otherwise invisible.
                "non_gsm": [f"{c} (U+{ord(c):04X})" for c in count.non_gsm],
            }
        return answer

    @router.get("/{language}/{template}/{part}", response_class=HTMLResponse)
    def editor(
        request: Request,
        language: str,
        template: str,
        part: str,
        done: str = "",
        staff: Staff = Depends(require_staff),
    ) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        key = _part_key(renderer, protocol, language, template, part)
        return _editor_page(request, staff, key, notice=DONE_MESSAGES.get(done))

    @router.post("/{language}/{template}/{part}/save", response_model=None)
    async def save(
        request: Request,
        language: str,
        template: str,
        part: str,
        staff: Staff = Depends(require_admin),
    ) -> Response:
        form = await form_fields(request)
        check_csrf(request, form)
        key = PartKey(template, language, part)
        return await run_in_threadpool(_save, request, staff, key, form)

    def _save(request: Request, staff: Staff, key: PartKey, form: dict[str, str]) -> Response:
        protocol: Protocol = request.app.state.protocol
        key = _part_key(renderer, protocol, key.language, key.template, key.part)
        body = normalise_body(form.get("body", ""))
        base = form.get("base_revision", "")
        expected = int(base) if base.isdigit() else None
        if len(body) > MAX_BODY_CHARS:
            return _editor_page(request, staff, key, body=body, problems=[_too_long(key)])
        problems = check_candidate(renderer, protocol, key.template, key.language, key.part, body)
        if problems:
            # Nothing is stored: the admin sees why, with their text kept to fix it.
            return _editor_page(request, staff, key, body=body, problems=problems, base=expected)
        if body == _current_body(engine, renderer, key)[0]:
            return _back(key, "unchanged")
        try:
            save_revision(
                engine,
                key,
                body,
                staff.email,
                clock.now(),
                check_latest=True,
                expected_latest=expected,
            )
        except RevisionError as exc:
            # Their text is kept; a second save, after reading the other change in the
            # history, replaces it on purpose.
            return _editor_page(request, staff, key, body=body, problems=[str(exc)], status=409)
        return _back(key, "saved")

    @router.post("/{language}/{template}/{part}/rollback/{revision_id}", response_model=None)
    async def rollback_to(
        request: Request,
        language: str,
        template: str,
        part: str,
        revision_id: int,
        staff: Staff = Depends(require_admin),
    ) -> Response:
        check_csrf(request, await form_fields(request))
        key = PartKey(template, language, part)
        return await run_in_threadpool(_rollback, request, staff, key, revision_id)

    def _rollback(request: Request, staff: Staff, key: PartKey, revision_id: int) -> Response:
        protocol: Protocol = request.app.state.protocol
        key = _part_key(renderer, protocol, key.language, key.template, key.part)
        with Session(engine) as session:
            target = session.get(TemplateRevision, revision_id)
        if target is None or PartKey(target.template, target.language, target.part) != key:
            raise HTTPException(status_code=404, detail=f"{key.name} has no such revision")
        if target.body is not None:
            # The protocol or the files may have changed since it was saved: check it again.
            problems = check_candidate(
                renderer, protocol, key.template, key.language, key.part, target.body
            )
            if problems:
                return _editor_page(request, staff, key, problems=problems)
        rollback(engine, key, revision_id, staff.email, clock.now())
        return _back(key, "rolled-back")

    @router.post("/{language}/{template}/{part}/reset", response_model=None)
    async def reset_to_file(
        request: Request,
        language: str,
        template: str,
        part: str,
        staff: Staff = Depends(require_admin),
    ) -> Response:
        check_csrf(request, await form_fields(request))
        key = PartKey(template, language, part)
        return await run_in_threadpool(_reset, request, staff, key)

    def _reset(request: Request, staff: Staff, key: PartKey) -> Response:
        protocol: Protocol = request.app.state.protocol
        key = _part_key(renderer, protocol, key.language, key.template, key.part)
        if _current_body(engine, renderer, key)[1] is not None:
            reset(engine, key, staff.email, clock.now())
        return _back(key, "reset")

    def _editor_page(
        request: Request,
        staff: Staff,
        key: PartKey,
        *,
        body: str | None = None,
        problems: list[str] | None = None,
        base: int | Literal["newest"] | None = "newest",
        notice: str | None = None,
        status: int = 422,
    ) -> HTMLResponse:
        """The editor; after a refused save, with the refused text and the reasons.

        `base` is the revision the next save expects to replace: the newest, or after a
        refused save the one the admin's editor was opened on.
        """
        protocol: Protocol = request.app.state.protocol
        file_default = renderer.file_source(key.name)
        revisions = history(engine, key)
        current_body, current = _current_body(engine, renderer, key)
        reply = _is_reply(key)
        steps = [] if reply else _protocol_templates(protocol)[key.template][_channel(key.part)]
        refused = problems is not None
        return render_page(
            request,
            "templates_editor.html",
            staff,
            status if refused else 200,
            key=key,
            label=PART_LABELS[key.part],
            steps=steps,
            reply=reply,
            reply_when=REPLY_WHEN.get(key.template, ""),
            must_give=_must_give(protocol, key),
            sample_name=REPLY_FIRST_NAMES[0],
            # Without the final newline, so a person typing at the end is on the last line.
            body=(body if body is not None else current_body).removesuffix("\n"),
            base_revision=(revisions[0].id if revisions else None) if base == "newest" else base,
            current=current,
            current_at=_local(current.created_at, protocol) if current else "",
            history=_history_rows(revisions, file_default, key, protocol),
            problems=problems or [],
            notice=notice,
            upcoming=[] if reply else _upcoming(engine, protocol),
            url=_url(key),
        )

    return router


def _protocol_templates(protocol: Protocol) -> dict[str, dict[Channel, list[Step]]]:
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


def _channel(part: str) -> Channel:
    return "sms" if part == "sms.txt" else "email"


def _is_reply(key: PartKey) -> bool:
    """A reply to a patient's text: rendered with the reply context, not a step's."""
    return key.template in REPLY_TEMPLATES


def _must_give(protocol: Protocol, key: PartKey) -> list[str]:
    """The numbers a part must keep, as the editor names them ([] for most parts)."""
    return [
        f"{what} {number}"
        for what, number in required_numbers(protocol, key.template, key.language)
    ]


def _cell(
    renderer: Renderer, key: PartKey, edits: dict[PartKey, TemplateRevision], protocol: Protocol
) -> dict[str, Any]:
    """One language's cell in the list: its link, and who edited it when."""
    edit = edits.get(key)
    return {
        "key": key,
        "url": _url(key),
        "exists": (renderer.templates_dir / key.name).is_file(),
        "edit": edit if edit is not None and edit.body is not None else None,
        "at": _local(edit.created_at, protocol) if edit else "",
    }


def _part_key(
    renderer: Renderer, protocol: Protocol, language: str, template: str, part: str
) -> PartKey:
    """The part named in a URL, or 404 unless something sends it and its file exists.

    Something: a protocol step, on the part's channel; or, for a reply template, the
    inbound pipeline, which answers by SMS only.
    """
    key = PartKey(template, language, part)
    if _is_reply(key):
        sent = part == REPLY_PART
    else:
        channels = _protocol_templates(protocol).get(template, {})
        sent = part in PARTS["sms"] + PARTS["email"] and _channel(part) in channels
    if (
        not sent
        or language not in languages(renderer.templates_dir)
        or not (renderer.templates_dir / key.name).is_file()
    ):
        raise HTTPException(status_code=404, detail="no such template part")
    return key


def _current_body(
    engine: Engine, renderer: Renderer, key: PartKey
) -> tuple[str, TemplateRevision | None]:
    """What the part renders from now, and the edit it comes from (None: the file)."""
    with Session(engine, expire_on_commit=False) as session:
        newest = latest(session, key)
    if newest is not None and newest.body is not None:
        return newest.body, newest
    return renderer.file_source(key.name), None


def _history_rows(
    revisions: list[TemplateRevision], file_default: str, key: PartKey, protocol: Protocol
) -> list[HistoryRow]:
    """Newest first; each diffed against the text in effect before it and against the file."""
    rows = []
    for index, revision in enumerate(revisions):
        older = revisions[index + 1] if index + 1 < len(revisions) else None
        before = older.body if older is not None and older.body is not None else file_default
        after = revision.body if revision.body is not None else file_default
        before_name = f"revision {older.id}" if older and older.body is not None else "file"
        rows.append(
            HistoryRow(
                revision=revision,
                at=_local(revision.created_at, protocol),
                current=index == 0 and revision.body is not None,
                against_previous=_diff(before, after, before_name, f"revision {revision.id}"),
                against_file=_diff(file_default, after, key.name, f"revision {revision.id}"),
            )
        )
    return rows


def _diff(before: str, after: str, before_name: str, after_name: str) -> list[DiffLine]:
    """A unified diff as lines to show; the page escapes them like any other text."""
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), before_name, after_name, lineterm=""
    )
    out = []
    for line in lines:
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "remove"
        else:
            kind = "same"
        out.append(DiffLine(kind, line))
    return out


def _context(
    engine: Engine, protocol: Protocol, key: PartKey, choice: str, step_key: str
) -> dict[str, Any]:
    """The variables for a preview: the sample patient, or a real upcoming appointment.

    A reply's are the reply context: the sample patient's name, or none for an unknown
    sender.
    """
    if _is_reply(key):
        if choice in ("sample", "sample-no-next"):
            return reply_context(protocol, key.language, REPLY_FIRST_NAMES[0])
        if choice == "unknown-sender":
            return reply_context(protocol, key.language, "")
        raise RenderError(f"unknown preview context {choice!r} for a reply")
    steps = _protocol_templates(protocol)[key.template][_channel(key.part)]
    step = next((s for s in steps if s.key == step_key), steps[0])
    if choice in ("sample", "sample-no-next"):
        return sample_context(protocol, key.language, step, next_appointment=choice == "sample")
    appointment_id = choice.removeprefix("appointment:")
    if not appointment_id.isdigit():
        raise RenderError(f"unknown preview context {choice!r}")
    with Session(engine) as session:
        appt = session.get(Appointment, int(appointment_id))
        patient = session.get(Patient, appt.patient_id) if appt else None
        if appt is None or patient is None:
            raise RenderError(f"appointment {appointment_id} no longer exists")
        # The treatment decides which steps an appointment gets (pain adds day 14).
        sent = [s for s in protocol.steps_for(appt.treatment) if s.template == key.template]
        if not sent:
            raise RenderError(
                f"appointment {appointment_id}'s treatment does not send {key.template}"
            )
        step = next((s for s in sent if s.key == step.key), sent[0])
        # Rendered in the language being edited, so the dates read as this text shows them.
        return message_context(
            first_name=patient.first_name,
            language=key.language,
            tz=patient_facts(patient, protocol.clinic.tz).timezone,
            appointment_start=appt.start_at,
            next_start=next_start(session, appt),
            step=step,
            treatment=appt.treatment,
            protocol=protocol,
        )


def _upcoming(engine: Engine, protocol: Protocol) -> list[dict[str, str]]:
    """Upcoming appointments for the context chooser, soonest first."""
    with Session(engine) as session:
        rows = session.exec(
            select(Appointment, Patient)
            .join(Patient, col(Patient.id) == col(Appointment.patient_id))
            .where(
                col(Appointment.start_at) >= clock.now(),
                col(Appointment.status).in_(ACTIVE),
            )
            .order_by(col(Appointment.start_at))
            .limit(UPCOMING_LIMIT)
        ).all()
    return [
        {
            "value": f"appointment:{appt.id}",
            "label": (
                f"{_local(appt.start_at, protocol)} · {patient.first_name} "
                f"{patient.last_name[:1]}. · {appt.treatment} · {patient.language}"
            ),
        }
        for appt, patient in rows
    ]


def _local(value: datetime, protocol: Protocol) -> str:
    return value.astimezone(protocol.clinic.tz).strftime("%Y-%m-%d %H:%M")


def _url(key: PartKey) -> str:
    return "/staff/templates/" + "/".join(
        quote(p, safe="") for p in (key.language, key.template, key.part)
    )


def _back(key: PartKey, done: str) -> RedirectResponse:
    return RedirectResponse(f"{_url(key)}?done={done}", status_code=303)


def _too_long(key: PartKey) -> str:
    return f"{key.name}: the template is over {MAX_BODY_CHARS} characters"
