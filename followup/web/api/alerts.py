"""Alerts, and acknowledging one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from followup.alerts import AlertNotFound, AlertView, acknowledge, list_alerts
from followup.core import clock
from followup.web.api.common import (
    DEFAULT_LIMIT,
    NOT_FOUND,
    Limit,
    Offset,
    engine_of,
    via_bearer_token,
)
from followup.web.api.models import AcknowledgeIn, AlertOut, Page
from followup.web.auth import Staff, check_csrf, require_staff
from followup.web.params import RowId
from followup.web.visibility import alerts_seen, require_seen


def alert_out(view: AlertView) -> AlertOut:
    return AlertOut(
        id=view.id,
        severity=view.severity,
        reason=view.reason,
        created_at=view.created_at,
        patient_id=view.patient_id,
        patient_name=view.patient_name,
        patient_phone=view.patient_phone,
        escalation_level=view.escalation_level,
        reply_error=view.reply_error,
        acknowledged_at=view.acknowledged_at,
        acknowledged_by=view.acknowledged_by,
    )


def routes() -> APIRouter:
    """The routes, to be included under /api with its authentication."""
    router = APIRouter()

    @router.get("/alerts")
    def alerts(
        request: Request,
        include_acknowledged: Annotated[
            bool, Query(alias="all", description="Include acknowledged alerts.")
        ] = False,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        staff: Staff = Depends(require_staff),
    ) -> Page[AlertOut]:
        """Open alerts (all with `?all=true`): open first, critical on top, newest first."""
        # Alerts are few (each one pages a person), so the whole list is sorted in Python
        # by the same rule the staff pages use, then cut into a page.
        views = list_alerts(
            engine_of(request),
            include_acknowledged=include_acknowledged,
            visible=alerts_seen(request, staff),
        )
        items = [alert_out(v) for v in views[offset : offset + limit]]
        return Page[AlertOut](items=items, total=len(views), limit=limit, offset=offset)

    @router.post("/alerts/{alert_id}/acknowledge", responses=NOT_FOUND)
    def acknowledge_alert(
        request: Request,
        alert_id: RowId,
        body: AcknowledgeIn | None = None,
        staff: Staff = Depends(require_staff),
    ) -> AlertOut:
        """Take an alert: stops the paging and, for a patient's last crisis alert, lifts the
        pause on their messages. Acknowledging a taken alert changes nothing and returns it.

        With a session cookie, send the session's CSRF token in `X-CSRF-Token`; with a
        bearer token, no CSRF token is needed.
        """
        if not via_bearer_token(staff):
            # The browser attaches the session cookie by itself, even to a request another
            # site's page makes: prove this one came from our own pages.
            check_csrf(request, {})
        # else: the bearer token is itself the proof; a browser never sends one on its own.
        require_seen(request, staff, "alert", alert_id)
        engine = engine_of(request)
        note = body.note if body is not None else None
        now = clock.now()
        try:
            # Audited in acknowledge's own transaction, the reply that raised it with it.
            view = acknowledge(
                engine, alert_id, staff.email, note, now, via="api", action="alert.acknowledge"
            )
        except AlertNotFound:
            raise HTTPException(status_code=404, detail=f"no alert has id {alert_id}") from None
        return alert_out(view)

    return router
