"""Every table, so Alembic sees every one of them (the conversation tables live in
`conversation_tables` and are re-exported here)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from followup.calendar.events import EventStatus as AppointmentStatus
from followup.db.consent_tables import (
    CarrierError,
    ConsentConfirmation,
    ConsentDisclosure,
    ConsentRecord,
)
from followup.db.conversation_tables import Conversation, InstrumentResponse, SymptomReport
from followup.db.types import UTCDateTime

__all__ = [
    "Alert",
    "AlertCall",
    "AlertNotification",
    "ApiToken",
    "Appointment",
    "AppointmentStatus",
    "AuditEvent",
    "CarrierError",
    "ConsentConfirmation",
    "ConsentDisclosure",
    "ConsentRecord",
    "Conversation",
    "FeedState",
    "InboundMessage",
    "InstrumentResponse",
    "MessageStatus",
    "OptedOutNumber",
    "Patient",
    "ReplyMessage",
    "ScheduledMessage",
    "SenderBucket",
    "SignInFailure",
    "StaffSession",
    "StaffUser",
    "SymptomReport",
    "SyncRun",
    "TemplateRevision",
]


def _utc(nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class MessageStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DEAD = "dead"


# A planned message in one of these states may still be moved, re-planned or cancelled;
# anything else has left (or tried to leave) and stays as history.
REPLANNABLE = frozenset({MessageStatus.PENDING, MessageStatus.SKIPPED, MessageStatus.CANCELLED})


class Patient(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True, index=True, max_length=64)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    phone: str | None = Field(default=None, index=True, max_length=20)
    email: str | None = Field(default=None, index=True, max_length=254)
    language: str = Field(default="en", max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    sms_consent: bool = False
    email_consent: bool = False
    opted_out_at: datetime | None = Field(default=None, sa_column=_utc())
    # Set when the SMS provider says the number cannot take messages (invalid, landline).
    sms_unreachable_at: datetime | None = Field(default=None, sa_column=_utc())
    sms_unreachable_reason: str | None = Field(default=None, max_length=200)
    # Automated messages wait while a crisis alert about this patient is open.
    paused_at: datetime | None = Field(default=None, sa_column=_utc())
    # The location the patient is seen at (the latest appointment's): staff see a patient
    # by it. A key the protocol does not have reads as its first location.
    location: str = Field(default="main", max_length=40, index=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class Appointment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("source", "source_uid", name="uq_appointment_source_uid"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)
    source_uid: str = Field(max_length=400)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    start_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    end_at: datetime = Field(sa_column=_utc(nullable=False))
    status: AppointmentStatus = Field(default=AppointmentStatus.BOOKED, sa_type=String(16))
    treatment: str = Field(max_length=40)
    location: str = Field(default="main", max_length=40)
    source_sequence: int = 0
    source_modified_at: datetime | None = Field(default=None, sa_column=_utc())
    # When staff pressed "discharged": after-end steps follow it instead of the booked end.
    discharged_at: datetime | None = Field(default=None, sa_column=_utc())
    # A discharge pressed on the Today page can be undone until then, so planning times
    # the after-end steps from it: nothing goes while a slip of the finger can be taken back.
    discharge_undo_until: datetime | None = Field(default=None, sa_column=_utc())
    confirmation: str | None = Field(default=None, max_length=16)  # confirmed | call_requested
    confirmation_at: datetime | None = Field(default=None, sa_column=_utc())
    # Consecutive good reads of its source this booked appointment was missing from; it is
    # cancelled only when this reaches FOLLOWUP_CALENDAR_ABSENT_READS, reset when seen.
    absent_reads: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Its place in the patient's series of infusions ("3 of 6") and when the series began:
    # derived again whenever the patient is re-planned; None while it is not active.
    series_number: int | None = None
    series_size: int | None = None
    series_started_at: datetime | None = Field(default=None, sa_column=_utc())
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class ScheduledMessage(SQLModel, table=True):
    __tablename__ = "scheduled_message"
    __table_args__ = (
        UniqueConstraint("appointment_id", "step", "channel", name="uq_message_step_channel"),
        Index("ix_message_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    step: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    template: str = Field(max_length=64)
    channel: str = Field(max_length=8)
    due_at: datetime = Field(sa_column=_utc(nullable=False))
    # Retries and quiet-hour deferrals wait here, so due_at stays the planned time.
    not_before: datetime | None = Field(default=None, sa_column=_utc())
    expires_at: datetime | None = Field(default=None, sa_column=_utc())
    quiet_hours_exempt: bool = False
    status: MessageStatus = Field(default=MessageStatus.PENDING, sa_type=String(16))
    status_reason: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: datetime | None = Field(default=None, sa_column=_utc())
    # Set just before the provider is called and cleared on a definite answer: if a worker
    # dies in between, whoever picks the message up asks the provider before resending.
    in_flight_since: datetime | None = Field(default=None, sa_column=_utc())
    provider_id: str | None = Field(default=None, max_length=100, index=True)
    body: str | None = None
    error_code: str | None = Field(default=None, max_length=40)
    error_text: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=_utc())
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class InboundMessage(SQLModel, table=True):
    """Every SMS a patient (or anyone) sends us, stored before anything else happens to it."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        # The few still waiting to be processed, for the sweeper (followup.replies.replay).
        Index(
            "ix_inbound_message_waiting",
            "received_at",
            sqlite_where=text("kind = 'received'"),
            postgresql_where=text("kind = 'received'"),
        ),
        # The queue of what needs a person: unhandled, by urgency then age.
        Index(
            "ix_inbound_message_queue",
            "urgency",
            "received_at",
            sqlite_where=text("needs_attention AND handled_at IS NULL"),
            postgresql_where=text("needs_attention AND handled_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_sid: str = Field(unique=True, max_length=64)  # Twilio retries are stored once
    from_number: str = Field(max_length=32, index=True)
    to_number: str = Field(default="", max_length=32)
    body: str = ""
    received_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    kind: str = Field(default="received", max_length=32)  # what the pipeline made of it
    # The sender's location (their patient's, else the one whose number they texted).
    location: str | None = Field(default=None, max_length=40)
    summary: str | None = Field(default=None, max_length=300)
    needs_attention: bool = False  # processing failed, or a person should read it
    # How soon a person must read it (followup.replies.triage.Level), and why: each
    # finding's rule and the words that matched.
    urgency: str = Field(
        default="ordinary",
        max_length=16,
        index=True,
        sa_column_kwargs={"server_default": "ordinary"},
    )
    triage: str | None = Field(default=None, max_length=500)
    processing_error: str | None = Field(default=None, max_length=300)
    handled_at: datetime | None = Field(default=None, sa_column=_utc())
    handled_by: str | None = Field(default=None, max_length=254)
    handled_note: str | None = None  # what the person did; shared with the alert it raised


class ReplyMessage(SQLModel, table=True):
    """An SMS we answered with (TwiML), kept so its delivery can be followed."""

    __tablename__ = "reply_message"

    id: int | None = Field(default=None, primary_key=True)
    inbound_message_id: int = Field(foreign_key="inbound_message.id", unique=True)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    to_number: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    body: str
    status: str = Field(default="queued", max_length=16)
    provider_id: str | None = Field(default=None, max_length=64)
    error_code: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    inbound_message_id: int | None = Field(
        default=None, foreign_key="inbound_message.id", index=True
    )
    # emergency (medical) | critical (crisis) | urgent (a nurse today) | high (an answer past
    # a survey threshold): followup.alerts.SEVERITIES, most urgent first.
    severity: str = Field(max_length=16)
    reason: str = Field(max_length=300)
    created_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    # Which on-call person was last notified, and when the next one is if nobody answers.
    escalation_level: int = 0
    next_escalation_at: datetime | None = Field(default=None, sa_column=_utc())
    reply_error: str | None = Field(
        default=None, max_length=200
    )  # our answer to the patient failed
    acknowledged_at: datetime | None = Field(default=None, sa_column=_utc())
    acknowledged_by: str | None = Field(default=None, max_length=254)
    acknowledgement_note: str | None = None
    acknowledged_via: str | None = Field(default=None, max_length=32)  # phone call, alerts page


class AlertNotification(SQLModel, table=True):
    """One message to one on-call person about one alert; retried until it leaves."""

    __tablename__ = "alert_notification"
    __table_args__ = (
        UniqueConstraint("alert_id", "level", "channel", name="uq_notification_level_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    level: int
    contact_name: str = Field(max_length=100)
    channel: str = Field(max_length=8)
    to: str = Field(max_length=254)
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = 0
    provider_id: str | None = Field(default=None, max_length=100)
    error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_utc())


class AlertCall(SQLModel, table=True):
    """One phone call to one on-call person about an alert (no alert: a test call).

    pending (due at `due_at`) -> calling (claimed, placed) -> ended (with its outcome).
    """

    __tablename__ = "alert_call"
    __table_args__ = (
        UniqueConstraint("alert_id", "attempt", name="uq_alert_call_attempt"),
        Index("ix_alert_call_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int | None = Field(default=None, foreign_key="alert.id", index=True)
    attempt: int = 0  # 0 the first call of the alert, then 1, 2...
    contact_name: str = Field(max_length=100)
    to: str = Field(max_length=20)  # E.164
    language: str = Field(default="en", max_length=8)
    fallback: bool = False  # the clinic's on-call phone, after the rounds
    status: str = Field(default="pending", max_length=16)  # pending | calling | ended
    outcome: str | None = Field(default=None, max_length=16)  # alerts.call_plan
    due_at: datetime = Field(sa_column=_utc(nullable=False))
    placed_at: datetime | None = Field(default=None, sa_column=_utc())
    deadline_at: datetime | None = Field(default=None, sa_column=_utc())
    ended_at: datetime | None = Field(default=None, sa_column=_utc())
    call_sid: str | None = Field(default=None, max_length=64)
    answered_by: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=300)
    requested_by: str | None = Field(default=None, max_length=254)  # a test call's
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class StaffUser(SQLModel, table=True):
    """A person on the clinic's staff who signs in to the web pages."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)  # stored lower-cased
    role: str = Field(max_length=16)  # admin | clinician
    # The location keys this person sees, comma-separated; "*": every location.
    locations: str = Field(default="*", max_length=400)
    password_hash: str = Field(max_length=200)
    failed_sign_ins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=_utc())
    last_sign_in_at: datetime | None = Field(default=None, sa_column=_utc())
    disabled_at: datetime | None = Field(default=None, sa_column=_utc())
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class AuditEvent(SQLModel, table=True):
    """Who changed what, when, and how it looked before and after (JSON)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    actor: str = Field(max_length=254)
    action: str = Field(max_length=64)
    record_type: str = Field(max_length=64)
    record_id: str = Field(max_length=100)
    before: str | None = None
    after: str | None = None


class ApiToken(SQLModel, table=True):
    """A bearer token for clinic tools; only its hash is kept."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(unique=True, max_length=64)
    created_by: str = Field(max_length=254)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=_utc())
    revoked_at: datetime | None = Field(default=None, sa_column=_utc())
    # Chosen at creation (90 days unless said otherwise); a token stops working then.
    expires_at: datetime = Field(sa_column=_utc(nullable=False))


class StaffSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 is kept here, and
    deleting the row ends the session wherever the cookie has been copied to."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    # Moved forward at most once a minute, so a busy page costs no write per request.
    last_seen_at: datetime = Field(sa_column=_utc(nullable=False))


class SignInFailure(SQLModel, table=True):
    """One refused sign-in of an existing account: its rows of the last window are the
    account's sliding window, shared by every web process."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_staff_at", "staff_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_user.id")
    at: datetime = Field(sa_column=_utc(nullable=False))


class TemplateRevision(SQLModel, table=True):
    """A staff edit of one template part; the newest overrides the file default."""

    __tablename__ = "template_revision"
    __table_args__ = (Index("ix_template_revision_lookup", "template", "language", "part", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    template: str = Field(max_length=64)
    language: str = Field(max_length=8)
    part: str = Field(max_length=32)  # sms.txt, email_subject.txt, email_body.txt, email_body.html
    body: str | None = None  # None: reset to the file default
    author: str = Field(max_length=254)
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class SyncRun(SQLModel, table=True):
    """One sync of one calendar source (file or feed): when, what changed, what failed.

    `status`: ok | not_modified (HTTP 304) | empty (no events while future bookings are
    held: nothing cancelled) | failed. `error` is one line without patient information.
    `problems`: JSON, the first events or rows it could not use, each with its reason
    (`followup.calendar.problems`); `rejected` counts them all.
    """

    __tablename__ = "sync_run"
    __table_args__ = (Index("ix_sync_run_source_started", "source", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)
    started_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    finished_at: datetime = Field(sa_column=_utc(nullable=False))
    status: str = Field(max_length=16)
    http_status: int | None = None
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    absent: int = 0
    rejected: int = 0
    error: str | None = Field(default=None, max_length=500)
    problems: str | None = None


class FeedState(SQLModel, table=True):
    """What every worker shares about one calendar feed or FHIR server: validators, backoff
    and, for FHIR, where the next read of changes starts and when it last read whole."""

    __tablename__ = "feed_state"

    source: str = Field(primary_key=True, max_length=200)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)  # the header, as sent
    failures: int = 0  # consecutive failed polls
    next_attempt_at: datetime | None = Field(default=None, sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc(nullable=False))
    # FHIR: the `_lastUpdated` the next read of changes asks from (the server's clock, a
    # little early), and when the last complete read was, the only kind that finds absences.
    changes_since: datetime | None = Field(default=None, sa_column=_utc())
    full_read_at: datetime | None = Field(default=None, sa_column=_utc())


class SenderBucket(SQLModel, table=True):
    """One sender's rate limit, shared by every worker: a token bucket.

    A sender is what the provider limits: a Twilio number or Messaging Service, an SMTP
    relay (`twilio:+14025550100`, `smtp:mail.example.org:587`). Times are seconds since
    the epoch by the database's clock, not datetimes: the refill is arithmetic in one
    statement that both databases run, and every worker reads the same clock.
    """

    __tablename__ = "sender_bucket"

    sender: str = Field(primary_key=True, max_length=300)
    tokens: float  # messages that may go now, at most the bucket's capacity
    refilled_at: float  # when `tokens` was last brought up to date
    granted: int = 0  # what the latest take got: the taker reads it back in the same statement


class OptedOutNumber(SQLModel, table=True):
    """A number that texted STOP, a patient's or not: no SMS goes to it until it texts START."""

    __tablename__ = "opted_out_number"

    phone: str = Field(primary_key=True, max_length=20)  # E.164, as Twilio sends From
    opted_out_at: datetime = Field(sa_column=_utc(nullable=False))
