"""The calendar sync page: each source's latest sync, failing ones first, and recent history;
above them, the carrier errors Twilio reported for each sender, with what to do.

Sources are shown by their identity: a file by its name, a feed by host and a short hash
of its address (`feed:<host>/<hash>`), never the address itself, which holds a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from followup.calendar.problems import KEPT, Problem, decode
from followup.core import clock
from followup.db.models import FeedState, SyncRun
from followup.ops.carrier_errors import sender_errors
from followup.web.auth import Staff, require_staff
from followup.web.sections.common import section_page
from followup.web.visibility import source_seen

SYNCS = "/staff/syncs"
# Carrier errors this recent are counted apart: what is wrong now, not last spring.
CARRIER_RECENT = timedelta(days=7)
HISTORY = 100  # recent runs listed under the sources; older ones stay in the database
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's latest sync, and for a feed its run of failures and next attempt."""

    latest: SyncRun
    failures: int
    next_attempt_at: datetime | None
    last_good_at: datetime | None

    @property
    def failing(self) -> bool:
        return self.latest.status == FAILED


def source_health(engine: Engine) -> list[SourceHealth]:
    """Every source ever synced, failing ones first, then by name."""
    with Session(engine) as session:
        newest = select(func.max(SyncRun.id).label("id")).group_by(col(SyncRun.source)).subquery()
        latest = session.exec(select(SyncRun).join(newest, col(SyncRun.id) == newest.c.id)).all()
        good = dict(
            session.exec(
                select(SyncRun.source, func.max(SyncRun.finished_at))
                .where(SyncRun.status != FAILED)
                .group_by(col(SyncRun.source))
            ).all()
        )
        states = {s.source: s for s in session.exec(select(FeedState)).all()}
    rows = [
        SourceHealth(
            latest=run,
            failures=states[run.source].failures if run.source in states else 0,
            next_attempt_at=states[run.source].next_attempt_at if run.source in states else None,
            last_good_at=good.get(run.source),
        )
        for run in latest
    ]
    return sorted(rows, key=lambda h: (not h.failing, h.latest.source))


def recent_runs(engine: Engine, limit: int = HISTORY) -> list[SyncRun]:
    """The newest sync runs of every source, newest first."""
    with Session(engine) as session:
        return list(
            session.exec(select(SyncRun).order_by(col(SyncRun.id).desc()).limit(limit)).all()
        )


def sync_router() -> APIRouter:
    """GET the calendar sync page (any signed-in staff member reads it)."""
    router = APIRouter(prefix=SYNCS)

    @router.get("", response_class=HTMLResponse)
    def syncs_page(request: Request, staff: Staff = Depends(require_staff)) -> HTMLResponse:
        engine: Engine = request.app.state.engine

        def seen(source: str) -> bool:
            return source_seen(request, staff, source)

        sources = [s for s in source_health(engine) if seen(s.latest.source)]
        # Only each source's latest run: what is wrong in the calendar now.
        problems: dict[int | None, list[Problem]] = {
            s.latest.id: decode(s.latest.problems) for s in sources if s.latest.rejected
        }
        with engine.connect() as connection:
            carrier = sender_errors(connection, clock.now() - CARRIER_RECENT)
        return section_page(
            request,
            "syncs.html",
            staff,
            carrier=carrier,
            carrier_days=CARRIER_RECENT.days,
            sources=sources,
            failing=[s for s in sources if s.failing],
            runs=[run for run in recent_runs(engine) if seen(run.source)],
            history=HISTORY,
            problems=problems,
            kept=KEPT,
        )

    return router
