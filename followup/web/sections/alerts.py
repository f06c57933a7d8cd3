"""The alerts page: one card per patient, open ones first, emergencies and crises on top,
each with the alerts inside, what the patient wrote and their latest answers in words.

The page polls a small fingerprint of the alerts every 15 seconds and reloads only when
something changed and nobody is typing a note; a half-written note is never thrown away.
`/staff/alerts/<id>` (the link in an on-call page) opens the page at that alert, after
sign-in; `/staff/alerts/status` feeds the banner every page shows (`/static/watch.js`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import ColumnElement, Engine, func
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from followup.alerts import AlertNotFound, AlertView, acknowledge, list_alerts
from followup.alerts.call_history import Attempt, attempts_of
from followup.alerts.raising import alert_location, on_call_at
from followup.alerts.status import CRISES
from followup.core import clock
from followup.db.models import Alert, AlertCall, InboundMessage, Patient, SymptomReport
from followup.protocol import Protocol
from followup.staff.scope import visible_or_all
from followup.web.auth import Staff, require_staff
from followup.web.params import RowId
from followup.web.sections.answer_labels import Labels
from followup.web.sections.common import checked_form, flash, go_back, section_page
from followup.web.sections.inbox import readable_phone
from followup.web.visibility import alerts_seen, require_seen, watch_for

log = logging.getLogger(__name__)

ALERTS = "/staff/alerts"
LATEST_ANSWERS = 5
SHOWN_ACKNOWLEDGED = 50  # history below the open alerts; older ones stay in the database
MAX_NOTE = 2000
POLL_SECONDS = 15
# How an alert was taken (alert.acknowledged_via), as the card says it.
TAKEN_VIA = {
    "phone call": "by phone call",
    "alerts page": "on the alerts page",
    "inbox": "from the inbox",
    "api": "through the API",
    "cli": "on the command line",
}


@dataclass(frozen=True, slots=True)
class Answer:
    """One of a patient's latest survey answers, in words."""

    question: str
    shown: str
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class AlertCard:
    """An alert with the message that raised it, the latest answers and who was paged."""

    view: AlertView
    message: str | None
    message_at: datetime | None
    phone: str  # the number to call, as people write it
    phone_link: str  # E.164 for a tel: link
    paged: str
    next_escalation_at: datetime | None
    note: str | None
    answers: list[Answer]
    reason: str  # with survey keys replaced by their labels
    message_id: int | None = None
    attempts: tuple[Attempt, ...] = ()  # every SMS, email and call to on-call, oldest first

    @property
    def open(self) -> bool:
        return self.view.acknowledged_at is None

    @property
    def crisis(self) -> bool:
        return self.view.severity in CRISES

    @property
    def taken_via(self) -> str:
        """ "by phone call", "on the alerts page"...; "" when not known (taken before it was kept)."""
        via = self.view.acknowledged_via
        return TAKEN_VIA.get(via, f"by {via}") if via else ""


@dataclass(frozen=True, slots=True)
class PatientCard:
    """One patient's alerts (or one unknown sender's), most urgent first, and their answers."""

    alerts: list[AlertCard]

    @property
    def first(self) -> AlertCard:
        return self.alerts[0]

    @property
    def open(self) -> bool:
        return any(a.open for a in self.alerts)

    @property
    def crisis(self) -> bool:
        return any(a.open and a.crisis for a in self.alerts)

    @property
    def open_count(self) -> int:
        return sum(1 for a in self.alerts if a.open)


def patient_cards(cards: list[AlertCard]) -> list[PatientCard]:
    """Cards grouped by patient in the order of each patient's first (most urgent) alert."""
    groups: dict[object, list[AlertCard]] = {}
    for card in cards:
        key = card.view.patient_id or ("alert", card.view.id)
        groups.setdefault(key, []).append(card)
    return [PatientCard(alerts) for alerts in groups.values()]


def alert_cards(
    engine: Engine, protocol: Protocol, visible: ColumnElement[bool] | None = None
) -> list[AlertCard]:
    """Every open alert and the latest acknowledged ones, in `list_alerts` order, of those
    `visible` lets staff see."""
    views = list_alerts(engine, include_acknowledged=True, visible=visible)
    open_views = [v for v in views if v.acknowledged_at is None]
    views = open_views + [v for v in views if v.acknowledged_at is not None][:SHOWN_ACKNOWLEDGED]
    if not views:
        return []
    with Session(engine) as session:
        rows = session.exec(
            select(Alert, InboundMessage)
            .join(InboundMessage, col(Alert.inbound_message_id) == InboundMessage.id, isouter=True)
            .where(col(Alert.id).in_([v.id for v in views]))
        ).all()
        by_id = {alert.id: (alert, message) for alert, message in rows}
        located = {alert.id: alert_location(session, protocol, alert) for alert, _ in rows}
        answers = latest_answers(
            session, {a.patient_id for a, _ in rows if a.patient_id is not None}, Labels(protocol)
        )
    labels = Labels(protocol)
    attempts = attempts_of(engine, [v.id for v in views])
    cards = []
    for view in views:
        alert, message = by_id[view.id]
        number = view.patient_phone or (message.from_number if message else None)
        contact = on_call_at(protocol, view.escalation_level, located[view.id])
        cards.append(
            AlertCard(
                view=view,
                message=message.body if message else None,
                message_at=message.received_at if message else None,
                phone=readable_phone(number, protocol.clinic.country),
                phone_link=number or "",
                paged=contact.name,
                next_escalation_at=alert.next_escalation_at,
                note=alert.acknowledgement_note,
                answers=answers.get(alert.patient_id or 0, []),
                reason=labels.reason(view.reason),
                message_id=alert.inbound_message_id,
                attempts=tuple(attempts.get(view.id, ())),
            )
        )
    return cards


def latest_answers(
    session: Session, patient_ids: set[int], labels: Labels
) -> dict[int, list[Answer]]:
    """The newest survey answers of each patient, newest first, in words, in one query."""
    if not patient_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=col(SymptomReport.patient_id),
            order_by=(col(SymptomReport.reported_at).desc(), col(SymptomReport.id).desc()),
        )
        .label("rank")
    )
    ranked = (
        select(SymptomReport.id, rank)
        .where(col(SymptomReport.patient_id).in_(patient_ids))
        .subquery()
    )
    reports = session.exec(
        select(SymptomReport)
        .join(ranked, col(SymptomReport.id) == ranked.c.id)
        .where(ranked.c.rank <= LATEST_ANSWERS)
        .order_by(col(SymptomReport.reported_at).desc(), col(SymptomReport.id).desc())
    ).all()
    found: dict[int, list[Answer]] = defaultdict(list)
    for r in reports:
        shown = labels.answer(r.survey, r.question, r.value, r.text)
        found[r.patient_id].append(
            Answer(labels.question(r.survey, r.question), shown, r.reported_at)
        )
    return found


def fingerprint(engine: Engine, visible: ColumnElement[bool] | None = None) -> str:
    """Changes whenever an alert (of those `visible`) is raised, escalates or is
    acknowledged, or a call to on-call about one is placed or ends."""
    with Session(engine) as session:
        total, acknowledged, newest, levels = session.exec(
            select(
                func.count(col(Alert.id)),
                func.count(col(Alert.acknowledged_at)),
                func.max(Alert.id),
                func.sum(Alert.escalation_level),
            )
            .select_from(Alert)
            .join(Patient, col(Alert.patient_id) == Patient.id, isouter=True)
            .join(InboundMessage, col(Alert.inbound_message_id) == InboundMessage.id, isouter=True)
            .where(visible_or_all(visible))
        ).one()
        calls, placed, ended = session.exec(
            select(
                func.count(col(AlertCall.id)),
                func.count(col(AlertCall.placed_at)),
                func.count(col(AlertCall.ended_at)),
            )
            .select_from(AlertCall)
            .join(Alert, col(Alert.id) == AlertCall.alert_id)
            .join(Patient, col(Alert.patient_id) == Patient.id, isouter=True)
            .join(InboundMessage, col(Alert.inbound_message_id) == InboundMessage.id, isouter=True)
            .where(visible_or_all(visible))
        ).one()
    return f"{total}-{acknowledged}-{newest or 0}-{levels or 0}-{calls}-{placed}-{ended}"


def take_alert(engine: Engine, alert_id: int, actor: str, note: str | None, now: datetime) -> str:
    """Acknowledge for `actor`, with the reply that raised it, audited in one transaction;
    "" if done now, else who had taken it."""
    try:
        view = acknowledge(engine, alert_id, actor, note, now, via="alerts page")
    except AlertNotFound:
        raise HTTPException(status_code=404, detail=f"no alert has id {alert_id}") from None
    if view.acknowledged_by != actor or view.acknowledged_at != now:
        return view.acknowledged_by or "someone"  # a colleague got there first
    log.info("alert %d acknowledged by %s", alert_id, actor)
    return ""


def alerts_router() -> APIRouter:
    """GET the alerts page and its poll; POST acknowledge."""
    router = APIRouter(prefix=ALERTS)

    @router.get("", response_class=HTMLResponse)
    def alerts_page(request: Request, staff: Staff = Depends(require_staff)) -> HTMLResponse:
        engine: Engine = request.app.state.engine
        cards = alert_cards(engine, request.app.state.protocol, alerts_seen(request, staff))
        return section_page(
            request,
            "alerts.html",
            staff,
            # Open ones first, by patient; what was acknowledged lately below, by patient too.
            patients=patient_cards([c for c in cards if c.open])
            + patient_cards([c for c in cards if not c.open]),
            open_count=sum(1 for c in cards if c.open),
            stamp=fingerprint(engine, alerts_seen(request, staff)),
            poll_seconds=POLL_SECONDS,
            now=clock.now(),
        )

    @router.get("/poll")
    def alerts_poll(request: Request, staff: Staff = Depends(require_staff)) -> dict[str, str]:
        """The fingerprint the page compares with its own, to know when to reload."""
        return {"stamp": fingerprint(request.app.state.engine, alerts_seen(request, staff))}

    @router.get("/status")
    def alerts_status(request: Request, staff: Staff = Depends(require_staff)) -> dict[str, object]:
        """Open crises and counts for every page's banner, navigation and title."""
        return watch_for(request, staff).as_json(clock.now())

    @router.get("/{alert_id}")
    def one_alert(alert_id: RowId, _staff: Staff = Depends(require_staff)) -> RedirectResponse:
        """The link in an on-call page: the alerts page, scrolled to this alert."""
        return RedirectResponse(f"{ALERTS}#alert-{alert_id}", status_code=303)

    @router.post("/{alert_id}/acknowledge", response_model=None)
    async def acknowledge_alert(
        request: Request, alert_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        await run_in_threadpool(require_seen, request, staff, "alert", alert_id)
        note = form.get("note", "").strip()[:MAX_NOTE] or None
        earlier = await run_in_threadpool(
            take_alert, request.app.state.engine, alert_id, staff.email, note, clock.now()
        )
        if earlier:
            flash(request, f"Alert #{alert_id} was already acknowledged by {earlier}.", "error")
        else:
            flash(request, f"Alert #{alert_id} acknowledged; escalation stopped.")
        return go_back(form, ALERTS)

    return router
