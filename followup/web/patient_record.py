"""What the patient page reads: what needs a person first, then a page of the history.

Open alerts and the latest replies come first, so a nurse sees a crisis before the chart;
the message history is read a page at a time (newest first, filtered in SQL), so a
patient with hundreds of messages costs no more than one with twenty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Engine, func
from sqlmodel import Session, col, select

from followup.alerts import SEVERITIES
from followup.consent.records import history
from followup.db.models import (
    Alert,
    Appointment,
    AppointmentStatus,
    ConsentDisclosure,
    ConsentRecord,
    Conversation,
    InboundMessage,
    MessageStatus,
    Patient,
    ReplyMessage,
    ScheduledMessage,
    SymptomReport,
)
from followup.protocol import Protocol
from followup.staff.scope import visible_or_all

__all__ = [
    "CHART_QUESTIONS",
    "MESSAGES_PAGE",
    "MessageFilter",
    "PatientRecord",
    "ReplyRow",
    "patient_record",
]

# The 0-10 scale questions the chart draws; other answers are listed, not plotted.
CHART_QUESTIONS = ("mood", "pain")


def chart_thresholds(protocol: Protocol) -> dict[str, tuple[str, float]]:
    """Where each charted score raises an alert, from the protocol's surveys."""
    found: dict[str, tuple[str, float]] = {}
    for survey in protocol.surveys.values():
        for q in survey.questions:
            if q.key not in CHART_QUESTIONS:
                continue
            if q.alert_at_or_below is not None:
                found.setdefault(q.key, ("≤", q.alert_at_or_below))
            elif q.alert_at_or_above is not None:
                found.setdefault(q.key, ("≥", q.alert_at_or_above))
    return found


# Appointments that did not take place are not infusions on the chart.
_NOT_GIVEN = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
MESSAGES_PAGE = 50
# The newest replies shown above the chart; the inbox, filtered by patient, has the rest.
LATEST_REPLIES = 10
# Check-in surveys and answers listed; the chart still draws every score.
LATEST_SURVEYS = 20


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """The message history's filters and page, as the query string gave them."""

    status: str = ""
    channel: str = ""
    step: str = ""
    page: int = 1

    @classmethod
    def parse(cls, status: str, channel: str, step: str, page: int) -> MessageFilter:
        """Unknown values are dropped rather than refused: a stale link still shows a page."""
        return cls(
            status if status in MessageStatus.__members__.values() else "",
            channel if channel in ("sms", "email") else "",
            step[:64],
            max(1, page),
        )

    def query(self, page: int | None = None) -> str:
        """This filter as a query string, at `page` (default: its own)."""
        parts = [(k, v) for k, v in (("status", self.status), ("channel", self.channel))]
        parts += [("step", self.step), ("page", str(page or self.page))]
        return urlencode([(k, v) for k, v in parts if v and not (k == "page" and v == "1")])


@dataclass(frozen=True, slots=True)
class ReplyRow:
    """A patient's SMS and, if we answered it, our answer."""

    inbound: InboundMessage
    answer: ReplyMessage | None


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """Everything the patient page shows about one patient."""

    patient: Patient
    alerts: list[Alert]  # open ones, most severe first
    replies: list[ReplyRow]  # the latest, newest first
    reply_count: int
    appointments: list[Appointment]
    messages: list[ScheduledMessage]  # one page, newest first
    message_count: int  # matching the filter
    steps: list[str]  # for the step filter
    reports: list[SymptomReport]
    surveys: list[Conversation]
    filter: MessageFilter = field(default_factory=MessageFilter)
    consents: list[ConsentRecord] = field(default_factory=list)  # newest first
    disclosures: dict[str, str] = field(default_factory=dict)  # version -> text shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.message_count // MESSAGES_PAGE))

    def chart_points(self) -> list[tuple[datetime, str, float]]:
        """The mood and pain scores, as the chart takes them."""
        return [
            (r.reported_at, r.question, r.value)
            for r in self.reports
            if r.question in CHART_QUESTIONS and r.value is not None
        ]

    def chart_infusions(self, now: datetime) -> list[datetime]:
        """Infusions given so far; future ones would only stretch the time axis."""
        return [
            a.start_at
            for a in self.appointments
            if a.status not in _NOT_GIVEN and a.start_at <= now
        ]

    def latest_reports(self) -> list[SymptomReport]:
        """The answers listed under the chart, newest first."""
        return list(reversed(self.reports))[: LATEST_SURVEYS * 5]


def patient_record(
    engine: Engine,
    external_id: str,
    wanted: MessageFilter | None = None,
    visible: ColumnElement[bool] | None = None,
) -> PatientRecord | None:
    """One patient's page of facts, a page of messages; None if no patient has that id
    among those `visible` (the staff member's locations) lets them see."""
    wanted = wanted or MessageFilter()
    with Session(engine) as session:
        patient = session.exec(
            select(Patient).where(Patient.external_id == external_id, visible_or_all(visible))
        ).first()
        if patient is None or patient.id is None:
            return None
        pid = patient.id
        alerts = sorted(
            session.exec(
                select(Alert).where(Alert.patient_id == pid, col(Alert.acknowledged_at).is_(None))
            ).all(),
            key=lambda a: (_rank(a.severity), -a.created_at.timestamp()),
        )
        replies = session.exec(
            select(InboundMessage, ReplyMessage)
            .join(
                ReplyMessage,
                col(ReplyMessage.inbound_message_id) == InboundMessage.id,
                isouter=True,
            )
            .where(InboundMessage.patient_id == pid)
            .order_by(col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc())
            .limit(LATEST_REPLIES)
        ).all()
        reply_count = session.exec(
            select(func.count()).select_from(InboundMessage).where(InboundMessage.patient_id == pid)
        ).one()
        appointments = session.exec(
            select(Appointment)
            .where(Appointment.patient_id == pid)
            .order_by(col(Appointment.start_at), col(Appointment.id))
        ).all()
        mine = [ScheduledMessage.patient_id == pid]
        if wanted.status:
            mine.append(ScheduledMessage.status == wanted.status)
        if wanted.channel:
            mine.append(ScheduledMessage.channel == wanted.channel)
        if wanted.step:
            mine.append(ScheduledMessage.step == wanted.step)
        count = session.exec(select(func.count()).select_from(ScheduledMessage).where(*mine)).one()
        messages = session.exec(
            select(ScheduledMessage)
            .where(*mine)
            .order_by(col(ScheduledMessage.due_at).desc(), col(ScheduledMessage.id).desc())
            .offset((wanted.page - 1) * MESSAGES_PAGE)
            .limit(MESSAGES_PAGE)
        ).all()
        steps = session.exec(
            select(ScheduledMessage.step)
            .where(ScheduledMessage.patient_id == pid)
            .distinct()
            .order_by(col(ScheduledMessage.step))
        ).all()
        reports = session.exec(
            select(SymptomReport)
            .where(SymptomReport.patient_id == pid)
            .order_by(col(SymptomReport.reported_at), col(SymptomReport.id))
        ).all()
        surveys = session.exec(
            select(Conversation)
            .where(Conversation.patient_id == pid)
            .order_by(col(Conversation.started_at).desc(), col(Conversation.id).desc())
            .limit(LATEST_SURVEYS)
        ).all()
        consents = history(session, pid)
        versions = {r.disclosure_version for r in consents if r.disclosure_version}
        disclosures = dict(
            session.exec(
                select(ConsentDisclosure.version, ConsentDisclosure.text).where(
                    col(ConsentDisclosure.version).in_(versions)
                )
            ).all()
        )
        return PatientRecord(
            patient,
            list(alerts),
            [ReplyRow(inbound, answer) for inbound, answer in replies],
            reply_count,
            list(appointments),
            list(messages),
            count,
            list(steps),
            list(reports),
            list(surveys),
            wanted,
            consents,
            disclosures,
        )


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)
