"""Calendar syncs: one row per source per sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session, col, select

from followup.db.models import SyncRun
from followup.web.api.common import DEFAULT_LIMIT, Limit, Offset, count, engine_of
from followup.web.api.models import Page, SyncRunOut
from followup.web.auth import Staff, require_staff
from followup.web.visibility import source_seen


def routes() -> APIRouter:
    """The routes, to be included under /api with its authentication."""
    router = APIRouter()

    @router.get("/syncs")
    def syncs(
        request: Request,
        source: Annotated[str | None, Query(description="Only this source.")] = None,
        status: Annotated[str | None, Query(description="Only this status, e.g. failed.")] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        staff: Staff = Depends(require_staff),
    ) -> Page[SyncRunOut]:
        """Calendar syncs, oldest first, optionally one source's or one status; of the
        sources of the caller's locations."""
        query = select(SyncRun)
        if not staff.scope.everywhere:
            with Session(engine_of(request)) as session:
                sources = session.exec(select(SyncRun.source).distinct()).all()
            mine = [name for name in sources if source_seen(request, staff, name)]
            query = query.where(col(SyncRun.source).in_(mine))
        if source is not None:
            query = query.where(SyncRun.source == source)
        if status is not None:
            query = query.where(SyncRun.status == status)
        with Session(engine_of(request)) as session:
            total = count(session, query)
            rows = session.exec(query.order_by(col(SyncRun.id)).limit(limit).offset(offset)).all()
        items = [SyncRunOut.model_validate(r, from_attributes=True) for r in rows]
        return Page[SyncRunOut](items=items, total=total, limit=limit, offset=offset)

    return router
