"""The tables going live in the US needs: consent as records, the texts people agreed to,
the opt-in confirmations sent, and the carrier errors each sender met.

Kept beside `models` (which re-exports them, so Alembic sees every table through it) to
hold that module under its size.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from followup.db.types import UTCDateTime


def _utc(nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class ConsentRecord(SQLModel, table=True):
    """One consent given or revoked, on one channel, never changed once written.

    The newest record (highest id) of a patient and channel is their consent on it; the
    patient's `sms_consent` / `email_consent` columns hold a copy, written in the same
    transaction (`followup.consent.records.record`). A record without a patient is about
    a number (`phone`) no patient had yet: a web sign-up or a STOP from it; the roster
    copies it to the patient who comes to have that number.
    """

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_latest", "patient_id", "channel", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int | None = Field(default=None, foreign_key="patient.id")
    # The number an SMS consent is about (E.164); None for email.
    phone: str | None = Field(default=None, max_length=20, index=True)
    channel: str = Field(max_length=8)  # sms | email
    given: bool
    # How: roster, staff, sms_keyword, sms_words, web_form, email_unsubscribe, carrier,
    # migration (followup.consent.records.Source).
    source: str = Field(max_length=24)
    # What says more: the roster file, the staff member and their note, the words texted.
    detail: str | None = Field(default=None, max_length=300)
    # The exact text the person was shown (consent_disclosure), when there was one.
    disclosure_version: str | None = Field(
        default=None, max_length=16, foreign_key="consent_disclosure.version"
    )
    inbound_message_id: int | None = Field(default=None, foreign_key="inbound_message.id")
    at: datetime = Field(sa_column=_utc(nullable=False, index=True))


class ConsentDisclosure(SQLModel, table=True):
    """A disclosure text exactly as shown, named by the start of its SHA-256."""

    __tablename__ = "consent_disclosure"

    version: str = Field(primary_key=True, max_length=16)
    language: str = Field(max_length=8)
    text: str
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class ConsentConfirmation(SQLModel, table=True):
    """The opt-in confirmation SMS last sent to a number from the web form: one a day at
    most, however many times the form is sent and by however many web processes."""

    __tablename__ = "consent_confirmation"

    phone: str = Field(primary_key=True, max_length=20)
    sent_at: datetime = Field(sa_column=_utc(nullable=False))
    status: str = Field(max_length=16)  # sending | sent | failed
    provider_id: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=100)


class CarrierError(SQLModel, table=True):
    """A registration or filtering error Twilio reported for a message, by sender.

    `ref` is Twilio's message SID (or `message:<id>` when the API refused the send), so a
    report Twilio repeats is counted once.
    """

    __tablename__ = "carrier_error"

    id: int | None = Field(default=None, primary_key=True)
    sender: str = Field(max_length=64)  # the number or Messaging Service it went out as
    code: str = Field(max_length=8)
    ref: str = Field(unique=True, max_length=100)
    at: datetime = Field(sa_column=_utc(nullable=False, index=True))
