"""The on-call people on the Staff page, as `[[on_call]]` lists them, each with a test call.

A test call rings the person's phone now and asks them to press 1: it proves the number,
the Twilio number's voice setup, the public address Twilio fetches the call from and the
keypress, before a 3 a.m. crisis does. It is recorded (who asked, what became of it) in
the audit log and shown on the page; it acknowledges nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from followup.alerts.call_history import call_state, latest_test_calls, request_test_call
from followup.alerts.call_plan import calls_for
from followup.core import clock
from followup.dispatch.calls import Dialer, voice_problem
from followup.messages.context import display_phone
from followup.protocol import Protocol
from followup.web.auth import Staff, require_admin
from followup.web.sections.common import checked_form, flash

ON_CALL = "/staff/people#on-call"
LANGUAGES = {"en": "English", "es": "Spanish"}


@dataclass(frozen=True, slots=True)
class OnCallRow:
    """One on-call person as the Staff page shows them."""

    index: int
    name: str
    phone: str  # as people write it; "" without one
    pages_by: str  # "SMS, email and phone calls"
    language: str
    last_test: str  # "confirmed (pressed 1)", or "" when never tested
    last_test_at: datetime | None


def on_call_rows(engine: Engine, protocol: Protocol) -> list[OnCallRow]:
    """Every `[[on_call]]` person in order, with their latest test call."""
    latest = latest_test_calls(engine)
    rows = []
    for index, person in enumerate(protocol.on_call):
        ways = [w for w, on in (("SMS", person.phone), ("email", person.email)) if on]
        if person.voice:
            ways.append("phone calls")
        test = latest.get(person.name)
        rows.append(
            OnCallRow(
                index=index,
                name=person.name,
                phone=display_phone(person.phone, protocol.clinic.country) if person.phone else "",
                pages_by=" and ".join([", ".join(ways[:-1]), ways[-1]] if len(ways) > 1 else ways),
                language=LANGUAGES.get(person.language, person.language),
                last_test=call_state(test) if test else "",
                last_test_at=(test.placed_at or test.due_at) if test else None,
            )
        )
    return rows


def calling_note(request: Request) -> str:
    """Which alerts call, or why calls cannot be made, for the page's text."""
    protocol: Protocol = request.app.state.protocol
    if request.app.state.dialer is None:
        problem = voice_problem(request.app.state.settings, protocol) or "calls are off"
        return f"{problem[:1].upper()}{problem[1:]}."
    severities = [s for s in protocol.paging.call_for if calls_for(protocol, s)]
    if not severities:
        return "Nobody takes alert calls (voice = true in [[on_call]]); test calls work."
    return f"Alerts of severity {', '.join(severities)} call the people marked phone calls."


def on_call_router() -> APIRouter:
    """POST a test call to one on-call person (admins)."""
    router = APIRouter(prefix="/staff/people/on-call")

    @router.post("/{index}/test-call", response_model=None)
    async def test_call(
        request: Request, index: int, staff: Staff = Depends(require_admin)
    ) -> RedirectResponse:
        """Ring the person now; the outcome shows on the Staff page."""
        await checked_form(request)
        protocol: Protocol = request.app.state.protocol
        if not 0 <= index < len(protocol.on_call) or not protocol.on_call[index].phone:
            raise HTTPException(status_code=404, detail="nobody on call there has a phone")
        person = protocol.on_call[index]
        dialer: Dialer | None = request.app.state.dialer
        if dialer is None:
            flash(request, f"No test call. {calling_note(request)}", "error")
            return RedirectResponse(ON_CALL, status_code=303)
        call = await run_in_threadpool(
            request_test_call, dialer.engine, protocol, person.name, staff.email, clock.now()
        )
        placed = await run_in_threadpool(dialer.place, call.id or 0)
        if placed:
            flash(request, f"Calling {person.name} now: answer and press 1. Reload to see it.")
        else:
            flash(request, f"The test call to {person.name} could not be placed now.", "error")
        return RedirectResponse(ON_CALL, status_code=303)

    return router
