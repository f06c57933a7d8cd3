"""Upcoming: the planned messages of the next days, and cancel / send now.

"Send now" does not send from the web process. It makes the message due now (due_at and
not_before set to the present), so the worker sends it at its next tick through the one
path every message takes: the lease that keeps it from going twice, the consent, opt-out,
expiry and quiet-hours checks at send time, retries and rate limits. A message sent now
during quiet hours therefore still waits for the morning, unless its step is exempt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import ColumnElement, Engine, and_, or_, update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from followup.core import clock
from followup.db.models import MessageStatus, Patient, ScheduledMessage
from followup.planning.scheduling import staff_cancel_reason
from followup.protocol import Protocol
from followup.staff import audit
from followup.staff.scope import visible_or_all
from followup.web.auth import Staff, require_staff
from followup.web.params import RowId
from followup.web.sections.common import (
    ClinicClock,
    checked_form,
    flash,
    go_back,
    section_page,
)
from followup.web.visibility import patients_seen, require_seen

log = logging.getLogger(__name__)

UPCOMING = "/staff/upcoming"
DEFAULT_DAYS, MAX_DAYS = 7, 60
SHOWN = 500
CANCELLABLE = (MessageStatus.PENDING, MessageStatus.SKIPPED)
WAITING = (MessageStatus.PENDING, MessageStatus.CLAIMED)
CHANNELS = ("sms", "email")
# The worker runs every few seconds; a message this late means it is stopped or stuck.
OVERDUE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class UpcomingFilters:
    """The query parameters of the upcoming page, read leniently."""

    days: int = DEFAULT_DAYS
    channel: str = ""
    status: str = ""

    @classmethod
    def read(cls, days: str, channel: str, status: str) -> UpcomingFilters:
        try:
            count = min(max(int(days), 1), MAX_DAYS)
        except ValueError:
            count = DEFAULT_DAYS
        return cls(
            count,
            channel if channel in CHANNELS else "",
            status if status in set(MessageStatus) else "",
        )


@dataclass(frozen=True, slots=True)
class Planned:
    """One planned message as the upcoming page shows it."""

    id: int
    patient_id: str
    patient_name: str
    step: str
    channel: str
    due_at: datetime
    waits_until: datetime | None  # a retry or quiet-hours deferral
    status: str
    reason: str
    overdue: bool  # pending, due, and not held back: the worker should have sent it

    @property
    def cancellable(self) -> bool:
        return self.status in CANCELLABLE

    @property
    def sendable(self) -> bool:
        return self.status == MessageStatus.PENDING


def planned_messages(
    engine: Engine,
    filters: UpcomingFilters,
    clinic: ClinicClock,
    now: datetime,
    visible: ColumnElement[bool] | None = None,
) -> list[Planned]:
    """Messages due from the start of the clinic's day to `days` ahead, soonest first.

    The day so far is included so what was skipped, expired or failed today shows with its
    reason; so is anything still waiting from before (retries, quiet-hours deferrals).
    """
    since = clinic.day(now)[0]
    until = now + timedelta(days=filters.days)
    due = ScheduledMessage.due_at
    query = (
        select(ScheduledMessage, Patient)
        .join(Patient, col(ScheduledMessage.patient_id) == Patient.id)
        .where(
            or_(
                and_(col(due) >= since, col(due) < until),
                and_(col(due) < since, col(ScheduledMessage.status).in_(WAITING)),
            ),
            visible_or_all(visible),
        )
    )
    if filters.channel:
        query = query.where(ScheduledMessage.channel == filters.channel)
    if filters.status:
        query = query.where(ScheduledMessage.status == filters.status)
    query = query.order_by(col(due), col(ScheduledMessage.id)).limit(SHOWN)
    with Session(engine) as session:
        rows = session.exec(query).all()
    return [
        Planned(
            id=m.id or 0,
            patient_id=p.external_id,
            patient_name=f"{p.first_name} {p.last_name}".strip(),
            step=m.step,
            channel=m.channel,
            due_at=m.due_at,
            waits_until=m.not_before if m.not_before and m.not_before > now else None,
            status=m.status,
            reason=_reason(m),
            overdue=m.status == MessageStatus.PENDING
            and m.due_at < now - OVERDUE_AFTER
            and (m.not_before is None or m.not_before < now - OVERDUE_AFTER),
        )
        for m, p in rows
    ]


def _reason(m: ScheduledMessage) -> str:
    """Why a message did not (or not yet) go; empty for one that is simply waiting or sent."""
    if m.error_code or m.error_text:
        return f"{m.error_code or ''} {m.error_text or ''}".strip()
    return m.status_reason or ""


def cancel_message(engine: Engine, message_id: int, actor: str, now: datetime) -> str | None:
    """Cancel a pending or skipped message; None if done, else its status that forbids it."""
    reason = staff_cancel_reason(actor)
    return _change(
        engine,
        message_id,
        actor,
        now,
        allowed=CANCELLABLE,
        action="message.cancelled",
        values={"status": MessageStatus.CANCELLED, "status_reason": reason},
    )


def send_now(engine: Engine, message_id: int, actor: str, now: datetime) -> str | None:
    """Make a pending message due now, for the worker's next tick (see the module's doc)."""
    return _change(
        engine,
        message_id,
        actor,
        now,
        allowed=(MessageStatus.PENDING,),
        action="message.send_now",
        values={"due_at": now, "not_before": now},
    )


def _change(
    engine: Engine,
    message_id: int,
    actor: str,
    now: datetime,
    *,
    allowed: tuple[MessageStatus, ...],
    action: str,
    values: dict[str, object],
) -> str | None:
    table = ScheduledMessage.__table__  # type: ignore[attr-defined]
    with Session(engine) as session:
        row = session.get(ScheduledMessage, message_id)
        if row is None:
            raise HTTPException(status_code=404, detail=f"no message has id {message_id}")
        before = {"status": row.status, "status_reason": row.status_reason}
        before.update({k: getattr(row, k) for k in values if k not in before})
        # Compare-and-set on the status: a worker may claim the row between our read and
        # this write, and a claimed message is the worker's.
        changed = session.execute(
            update(table)
            .where(table.c.id == message_id, table.c.status.in_(allowed))
            .values(**values, updated_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if changed != 1:
            session.rollback()
            session.refresh(row)
            return str(row.status)
        audit(session, actor, action, "scheduled_message", message_id, before, dict(values), now)
        session.commit()
    log.info("message %d: %s by %s", message_id, action, actor)
    return None


def upcoming_router() -> APIRouter:
    """GET upcoming; POST cancel and send-now."""
    router = APIRouter()

    @router.get(UPCOMING, response_class=HTMLResponse)
    def upcoming_page(
        request: Request,
        days: str = str(DEFAULT_DAYS),
        channel: str = "",
        status: str = "",
        staff: Staff = Depends(require_staff),
    ) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        filters = UpcomingFilters.read(days, channel, status)
        rows = planned_messages(
            request.app.state.engine,
            filters,
            ClinicClock(protocol.clinic.tz),
            clock.now(),
            patients_seen(request, staff),
        )
        return section_page(
            request,
            "upcoming.html",
            staff,
            rows=rows,
            filters=filters,
            statuses=[s.value for s in MessageStatus],
            channels=CHANNELS,
            shown=SHOWN,
            here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        )

    @router.post("/staff/messages/{message_id}/cancel", response_model=None)
    async def cancel(
        request: Request, message_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        await run_in_threadpool(require_seen, request, staff, "message", message_id)
        refused = await run_in_threadpool(
            cancel_message, request.app.state.engine, message_id, staff.email, clock.now()
        )
        if refused is None:
            flash(request, f"Message #{message_id} cancelled.")
        else:
            flash(
                request,
                f"Message #{message_id} is {refused} and can no longer be cancelled.",
                "error",
            )
        return go_back(form, UPCOMING)

    @router.post("/staff/messages/{message_id}/send-now", response_model=None)
    async def send_now_route(
        request: Request, message_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        await run_in_threadpool(require_seen, request, staff, "message", message_id)
        refused = await run_in_threadpool(
            send_now, request.app.state.engine, message_id, staff.email, clock.now()
        )
        if refused is None:
            flash(request, f"Message #{message_id} goes at the worker's next round.")
        else:
            flash(
                request,
                f"Message #{message_id} is {refused}; only a pending message can be sent now.",
                "error",
            )
        return go_back(form, UPCOMING)

    return router
