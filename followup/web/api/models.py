"""The API's response and request bodies: they are also the OpenAPI document's schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from followup.db.models import AppointmentStatus, MessageStatus

ItemT = TypeVar("ItemT")


# -- Response and request models: they are also the OpenAPI document's schemas. ---------


class Problem(BaseModel):
    """An error: what went wrong, in words."""

    detail: str


class Page(BaseModel, Generic[ItemT]):
    """One page of a list."""

    items: list[ItemT]
    total: int = Field(description="How many rows match, over all pages.")
    limit: int
    offset: int


class PatientOut(BaseModel):
    """A patient, with what decides whether messages reach them."""

    external_id: str = Field(description="The clinic's own patient id.")
    id: int = Field(description="followup's id: `Patient/<id>` in /api/fhir resources.")
    first_name: str
    last_name: str
    phone: str | None = Field(description="E.164, e.g. +14025550134.")
    email: str | None
    language: str
    timezone: str | None = Field(description="IANA zone; null means the clinic's.")
    sms_consent: bool
    email_consent: bool
    opted_out_at: datetime | None = Field(description="Set when the patient replied STOP.")
    sms_unreachable_at: datetime | None
    sms_unreachable_reason: str | None
    paused_at: datetime | None = Field(
        description="Set while an emergency or crisis alert about the patient is open."
    )
    next_infusion_at: datetime | None = Field(description="Start of the next booked infusion.")
    created_at: datetime
    updated_at: datetime


class AppointmentOut(BaseModel):
    """One infusion appointment."""

    id: int
    patient_id: str = Field(description="The patient's external id.")
    start_at: datetime
    end_at: datetime
    status: AppointmentStatus
    treatment: str
    confirmation: str | None = Field(description="confirmed | call_requested, or null.")
    confirmation_at: datetime | None
    discharged_at: datetime | None
    source: str = Field(description="The calendar file or feed the appointment came from.")
    series_number: int | None = Field(
        default=None, description="Its place in its series of infusions (3 in 3 of 6)."
    )
    series_size: int | None = Field(
        default=None, description="The infusions of its series booked so far (6 in 3 of 6)."
    )


class MessageOut(BaseModel):
    """A message planned for, or sent to, a patient."""

    id: int
    patient_id: str = Field(description="The patient's external id.")
    appointment_id: int
    step: str
    kind: str
    template: str
    channel: str
    due_at: datetime
    not_before: datetime | None
    expires_at: datetime | None
    status: MessageStatus
    status_reason: str | None = Field(description="Why it was skipped, cancelled, expired.")
    attempts: int
    provider_id: str | None
    error_code: str | None
    error_text: str | None
    sent_at: datetime | None
    body: str | None = Field(description="The text as sent; null until it is rendered.")


class AnswerOut(BaseModel):
    """Our SMS answer to a reply."""

    kind: str
    body: str
    status: str
    error_code: str | None
    created_at: datetime


class ReplyOut(BaseModel):
    """An SMS received from a patient (or an unknown number), and what was made of it."""

    id: int
    patient_id: str | None = Field(description="The patient's external id; null if unknown.")
    from_number: str
    body: str
    received_at: datetime
    kind: str
    summary: str | None
    urgency: str = Field(description="emergency | crisis | urgent | review | ordinary")
    triage: str | None = Field(description="Each finding's rule and the words that set it off.")
    needs_attention: bool
    processing_error: str | None
    handled_at: datetime | None
    handled_by: str | None
    answer: AnswerOut | None


class ReportOut(BaseModel):
    """One answer to one check-in question."""

    id: int
    patient_id: str = Field(description="The patient's external id.")
    appointment_id: int | None
    survey: str
    question: str
    value: float | None = Field(description="The score, for scale questions.")
    text: str | None
    reported_at: datetime


class AlertOut(BaseModel):
    """An alert raised by a reply, and whether somebody took it."""

    id: int
    severity: str = Field(description="emergency | critical | urgent | high, most urgent first")
    reason: str
    created_at: datetime
    patient_id: str | None
    patient_name: str
    patient_phone: str | None
    escalation_level: int
    reply_error: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class SyncRunOut(BaseModel):
    """One sync of one calendar source."""

    id: int
    source: str = Field(
        description="A file as kind:name (ics:room.ics); a feed as feed:<host>/<hash>."
    )
    started_at: datetime
    finished_at: datetime
    status: str = Field(description="ok | not_modified | empty | failed")
    http_status: int | None = Field(description="A feed's HTTP status; null for files.")
    created: int
    updated: int
    cancelled: int
    absent: int = Field(description="Booked appointments missing, not yet cancelled.")
    rejected: int = Field(description="Events that could not be used (unmatched, invalid).")
    error: str | None = Field(description="Why a failed sync failed, in one line.")


class AcknowledgeIn(BaseModel):
    """The body of an acknowledgement; it may be empty."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000, description="What was done.")
