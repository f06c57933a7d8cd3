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

import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from followup.core import clock
from followup.core.errors import RenderError
from followup.db.models import TemplateRevision
from followup.messages.check import (
    PARTS,
    REPLY_FIRST_NAMES,
    REPLY_PART,
    REPLY_TEMPLATES,
    check_candidate,
    languages,
    reply_rules,
)
from followup.messages.revisions import (
    PartKey,
    RevisionError,
    history,
    newest_revisions,
    normalise_body,
    reset,
    rollback,
    save_revision,
    service_renderer,
)
from followup.messages.segments import count_segments
from followup.protocol import Protocol
from followup.settings import Settings
from followup.web.auth import Staff, check_csrf, require_admin, require_every_location
from followup.web.forms import form_fields
from followup.web.params import RowId
from followup.web.staff_pages import render_page
from followup.web.template_editor.diffs import history_rows
from followup.web.template_editor.parts import (
    PART_LABELS,
    REPLY_WHEN,
    cell,
    channel_of,
    current_text,
    is_reply,
    local,
    must_give,
    part_key,
    protocol_templates,
    url,
)
from followup.web.template_editor.preview import preview_context, upcoming

# A template source past this is a mistake (or an attempt to tie up the server).
MAX_BODY_CHARS = 20_000
DONE_MESSAGES = {
    "saved": "Saved. The next message sent uses this text.",
    "unchanged": "Nothing to save: the text is the same as the current one.",
    "rolled-back": "Rolled back. The next message sent uses that revision's text.",
    "reset": "Reset to the file default.",
}


def templates_router(settings: Settings, engine: Engine) -> APIRouter:
    """The /staff/templates pages, rendering through a Renderer that sees staff edits."""
    router = APIRouter(prefix="/staff/templates")
    renderer = service_renderer(settings.templates_dir, engine)

    @router.get("", response_class=HTMLResponse)
    def list_page(request: Request, staff: Staff = Depends(require_every_location)) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        with Session(engine) as session:
            edits = newest_revisions(session)
        langs = languages(renderer.templates_dir)
        rows: list[dict[str, Any]] = []
        for template, channels in protocol_templates(protocol).items():
            for channel, steps in channels.items():
                for part in PARTS[channel]:
                    cells = [
                        cell(renderer, PartKey(template, language, part), edits, protocol)
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
                cell(renderer, PartKey(template, language, REPLY_PART), edits, protocol)
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
    async def preview(
        request: Request, _staff: Staff = Depends(require_every_location)
    ) -> Response:
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
        key = part_key(renderer, protocol, data["language"], data["template"], data["part"])
        body = normalise_body(data["body"])
        if len(body) > MAX_BODY_CHARS:
            return {"ok": False, "error": _too_long(key)}
        try:
            choice, step = str(data.get("context", "sample")), str(data.get("step", ""))
            context = preview_context(engine, protocol, key, choice, step)
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
        staff: Staff = Depends(require_every_location),
    ) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        key = part_key(renderer, protocol, language, template, part)
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
        key = part_key(renderer, protocol, key.language, key.template, key.part)
        body = normalise_body(form.get("body", ""))
        base = form.get("base_revision", "")
        expected = int(base) if base.isdigit() else None
        if len(body) > MAX_BODY_CHARS:
            return _editor_page(request, staff, key, body=body, problems=[_too_long(key)])
        problems = check_candidate(renderer, protocol, key.template, key.language, key.part, body)
        if problems:
            # Nothing is stored: the admin sees why, with their text kept to fix it.
            return _editor_page(request, staff, key, body=body, problems=problems, base=expected)
        if body == current_text(engine, renderer, key)[0]:
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
        revision_id: RowId,
        staff: Staff = Depends(require_admin),
    ) -> Response:
        check_csrf(request, await form_fields(request))
        key = PartKey(template, language, part)
        return await run_in_threadpool(_rollback, request, staff, key, revision_id)

    def _rollback(request: Request, staff: Staff, key: PartKey, revision_id: int) -> Response:
        protocol: Protocol = request.app.state.protocol
        key = part_key(renderer, protocol, key.language, key.template, key.part)
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
        key = part_key(renderer, protocol, key.language, key.template, key.part)
        if current_text(engine, renderer, key)[1] is not None:
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
        current_body, current = current_text(engine, renderer, key)
        reply = is_reply(key)
        steps = [] if reply else protocol_templates(protocol)[key.template][channel_of(key.part)]
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
            must_give=must_give(protocol, key),
            sample_name=REPLY_FIRST_NAMES[0],
            # Without the final newline, so a person typing at the end is on the last line.
            body=(body if body is not None else current_body).removesuffix("\n"),
            base_revision=(revisions[0].id if revisions else None) if base == "newest" else base,
            current=current,
            current_at=local(current.created_at, protocol) if current else "",
            history=history_rows(revisions, file_default, key, protocol),
            problems=problems or [],
            notice=notice,
            upcoming=[] if reply else upcoming(engine, protocol),
            url=url(key),
        )

    return router


def _back(key: PartKey, done: str) -> RedirectResponse:
    return RedirectResponse(f"{url(key)}?done={done}", status_code=303)


def _too_long(key: PartKey) -> str:
    return f"{key.name}: the template is over {MAX_BODY_CHARS} characters"
