"""Consent records: the one writer, and how a patient's consent is read from them.

Every consent given or revoked is a new `consent_record` row; none is ever changed. The
newest row of a patient and channel decides. The patient's `sms_consent`/`email_consent`
columns are a copy of it for lists and the API, written here and nowhere else, in the
same transaction and under the patient's row lock: two web processes recording for one
patient at once are put in order by that lock, so the newest row and the copy agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, ScalarSelect, and_, func, insert, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from followup.db.models import ConsentDisclosure, ConsentRecord, Patient

CHANNELS = ("sms", "email")
R = ConsentRecord.__table__  # type: ignore[attr-defined]
P = Patient.__table__  # type: ignore[attr-defined]
D = ConsentDisclosure.__table__  # type: ignore[attr-defined]


class Source(StrEnum):
    """How a consent was given or revoked."""

    ROSTER = "roster"  # the clinic's roster file said so (detail: the file)
    STAFF = "staff"  # a staff member recorded it, e.g. on the phone (detail: who, and a note)
    SMS_KEYWORD = "sms_keyword"  # STOP, START and the other keywords
    SMS_WORDS = "sms_words"  # a plain sentence: "please stop texting me"
    WEB_FORM = "web_form"  # the public opt-in page
    EMAIL_UNSUBSCRIBE = "email_unsubscribe"  # the one-click link in an email
    CARRIER = "carrier"  # Twilio refused the number as unsubscribed (21610)
    MIGRATION = "migration"  # the yes/no columns, before consent was recorded


# The patient's own word: a roster never overrides a revocation from one of these.
OWN_WORD = frozenset(
    {Source.SMS_KEYWORD, Source.SMS_WORDS, Source.WEB_FORM, Source.EMAIL_UNSUBSCRIBE}
    | {Source.CARRIER}
)

LABELS = {
    Source.ROSTER: "roster import",
    Source.STAFF: "staff",
    Source.SMS_KEYWORD: "text keyword",
    Source.SMS_WORDS: "text message",
    Source.WEB_FORM: "web sign-up form",
    Source.EMAIL_UNSUBSCRIBE: "email unsubscribe link",
    Source.CARRIER: "carrier (Twilio)",
    Source.MIGRATION: "before consent records",
}


def disclosure_version(text: str) -> str:
    """The version of a disclosure: the first 12 hex digits of its text's SHA-256.

    Derived from the text itself, so a changed word is a new version without anybody
    remembering to number it, and the record names exactly what the person read.
    """
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def keep_disclosure(session: Session, text: str, language: str, now: datetime) -> str:
    """Store a disclosure text once (any process may be first); return its version."""
    version = disclosure_version(text)
    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert(D) if dialect == "postgresql" else sqlite.insert(D)
    session.execute(
        insert_.values(
            version=version, language=language, text=text, created_at=now
        ).on_conflict_do_nothing(index_elements=[D.c.version])
    )
    return version


def record(
    session: Session,
    patient_ids: Iterable[int],
    channels: Sequence[str],
    *,
    given: bool,
    source: Source,
    at: datetime,
    detail: str | None = None,
    disclosure: str | None = None,
    inbound_message_id: int | None = None,
    written: datetime | None = None,
) -> int:
    """Record one consent (or revocation) per patient and channel; return how many rows.

    `at` is when it was given or revoked; `written` (default `at`) when we learnt it. The
    caller commits. ORM objects of these patients the session holds are expired, so they
    read the new copy.
    """
    ids = set(patient_ids)
    count = record_with(
        session.connection(), ids, channels, given=given, source=source, at=at,
        detail=detail, disclosure=disclosure, inbound_message_id=inbound_message_id,
        written=written,
    )  # fmt: skip
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Patient) and obj.id in ids:
            session.expire(obj)
    return count


def record_with(
    connection: Connection,
    patient_ids: Iterable[int],
    channels: Sequence[str],
    *,
    given: bool,
    source: Source,
    at: datetime,
    detail: str | None = None,
    disclosure: str | None = None,
    inbound_message_id: int | None = None,
    written: datetime | None = None,
) -> int:
    """`record` on a Core connection (the dispatcher's batch transaction).

    Each patient's row is locked first, so records of one patient are written one
    transaction at a time and the newest id is the newest consent.
    """
    ids = sorted(set(patient_ids))
    if not ids or not channels:
        return 0
    phones: dict[int, str | None] = dict(
        connection.execute(
            select(P.c.id, P.c.phone).where(P.c.id.in_(ids)).order_by(P.c.id).with_for_update()
        ).all()
    )
    rows = [
        {
            "patient_id": pid,
            "phone": phones[pid] if channel == "sms" else None,
            "channel": channel,
            "given": given,
            "source": str(source),
            "detail": (detail or "")[:300] or None,
            "disclosure_version": disclosure,
            "inbound_message_id": inbound_message_id,
            "at": at,
        }
        for pid in ids
        if pid in phones
        for channel in channels
    ]
    if rows:
        connection.execute(insert(R), rows)
        copy = {f"{channel}_consent": given for channel in channels}
        connection.execute(
            P.update().where(P.c.id.in_(list(phones))).values(updated_at=written or at, **copy)
        )
    return len(rows)


def record_number(
    session: Session,
    phone: str,
    *,
    given: bool,
    source: Source,
    at: datetime,
    detail: str | None = None,
    disclosure: str | None = None,
    inbound_message_id: int | None = None,
) -> None:
    """Record SMS consent (or its revocation) for a number no patient has (yet)."""
    session.execute(
        insert(R).values(
            patient_id=None,
            phone=phone,
            channel="sms",
            given=given,
            source=str(source),
            detail=(detail or "")[:300] or None,
            disclosure_version=disclosure,
            inbound_message_id=inbound_message_id,
            at=at,
        )
    )


def latest_given(patient_id: ColumnElement[int], channel: str) -> ScalarSelect[bool]:
    """The newest record's `given` for a patient (a correlated column) on `channel`; NULL
    when there is none. One index lookup (ix_consent_record_latest) per row."""
    return (
        select(R.c.given)
        .where(R.c.patient_id == patient_id, R.c.channel == channel)
        .order_by(R.c.id.desc())
        .limit(1)
        .correlate_except(R)
        .scalar_subquery()
    )


def consents(channel: str) -> ColumnElement[bool]:
    """Whether a patient (in a query over `patient`) may get messages on `channel`: the
    copy says so and so does the newest record. A patient no record speaks of (written
    around the records, by hand in SQL) follows the copy alone."""
    copy = P.c.sms_consent if channel == "sms" else P.c.email_consent
    newest = func.coalesce(latest_given(P.c.id, channel), true())
    return and_(copy == true(), newest == true())


def consent_column(channel: str) -> ColumnElement[bool]:
    """`consents` as a column named `<channel>_consent`, for the planner's facts."""
    return consents(channel).label(f"{channel}_consent")


def history(session: Session, patient_id: int) -> list[ConsentRecord]:
    """A patient's records, newest first."""
    return list(
        session.execute(
            select(ConsentRecord)
            .where(col(ConsentRecord.patient_id) == patient_id)
            .order_by(col(ConsentRecord.id).desc())
        ).scalars()
    )


def newest(session: Session, patient_ids: Sequence[int]) -> dict[tuple[int, str], ConsentRecord]:
    """Each patient's newest record per channel, in one query."""
    if not patient_ids:
        return {}
    last = (
        select(func.max(R.c.id))
        .where(R.c.patient_id.in_(list(patient_ids)))
        .group_by(R.c.patient_id, R.c.channel)
    )
    rows = session.execute(select(ConsentRecord).where(col(ConsentRecord.id).in_(last))).scalars()
    return {(row.patient_id or 0, row.channel): row for row in rows}


def patients_on(session: Session, phone: str) -> list[int]:
    """The patients who have this number, oldest first."""
    return [
        int(pid)
        for pid in session.execute(select(P.c.id).where(P.c.phone == phone).order_by(P.c.id))
        .scalars()
        .all()
    ]


__all__ = [
    "CHANNELS",
    "LABELS",
    "OWN_WORD",
    "Source",
    "consent_column",
    "consents",
    "disclosure_version",
    "history",
    "keep_disclosure",
    "latest_given",
    "newest",
    "patients_on",
    "record",
    "record_number",
    "record_with",
]
