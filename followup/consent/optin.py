"""The web sign-up's database side: the consent, the disclosure shown, the confirmation.

The page is public, so what it does must not tell anyone whether a number is on file: a
number nobody has gets a record of its own (which the roster gives to the patient who
comes to have it), and the answer and the confirmation SMS are the same either way. One
confirmation a day per number, and at most `hourly_cap` in all per hour, however many web
processes take sign-ups: an `INSERT … ON CONFLICT DO UPDATE … WHERE` decides atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import phonenumbers
from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from followup.consent.records import (
    Source,
    keep_disclosure,
    patients_on,
    record,
    record_number,
)
from followup.core.phones import InvalidPhone, to_e164
from followup.db.models import ConsentConfirmation, OptedOutNumber

C = ConsentConfirmation.__table__  # type: ignore[attr-defined]
STOPPED = OptedOutNumber.__table__  # type: ignore[attr-defined]
CONFIRM_EVERY = timedelta(days=1)


def mobile_number(raw: str, country: str) -> str | None:
    """The number in E.164 if it is a valid number of the clinic's country, else None.

    Only the clinic's country: a form that texts whatever it is given would let anyone
    make the clinic text premium numbers abroad (SMS pumping).
    """
    if not raw.strip() or len(raw) > 40:
        return None
    try:
        e164 = to_e164(raw, country)
    except InvalidPhone:
        return None
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    return e164 if region == country else None


@dataclass(frozen=True, slots=True)
class SignUp:
    """What a sign-up did: whether to send the confirmation now, and its record."""

    confirm: bool
    why_not: str | None = None  # why no confirmation goes (kept on the confirmation row)


def sign_up(
    engine: Engine,
    phone: str,
    disclosure: str,
    language: str,
    now: datetime,
    hourly_cap: int,
) -> SignUp | Literal["busy"]:
    """Record SMS consent from the web form for `phone` (every patient on it, or the
    number itself); "busy" when the hour's confirmations are used up (nothing recorded)."""
    with Session(engine) as session:
        sent = session.execute(
            select(func.count()).select_from(C).where(C.c.sent_at > now - timedelta(hours=1))
        ).scalar_one()
        if sent >= hourly_cap:
            return "busy"
        version = keep_disclosure(session, disclosure, language, now)
        detail = f"ticked the box on the web sign-up page ({language})"
        ids = patients_on(session, phone)
        if ids:
            record(session, ids, ("sms",), given=True, source=Source.WEB_FORM, at=now,
                   detail=detail, disclosure=version)  # fmt: skip
        else:
            record_number(session, phone, given=True, source=Source.WEB_FORM, at=now,
                          detail=detail, disclosure=version)  # fmt: skip
        stopped = session.execute(select(STOPPED.c.phone).where(STOPPED.c.phone == phone)).first()
        result = _claim(session, phone, now, "not_sent" if stopped else "sending")
        session.commit()
    if stopped:
        # Twilio blocks a number that texted STOP until it texts START (21610).
        return SignUp(False, "the number texted STOP: it must text START first")
    return result


def _claim(session: Session, phone: str, now: datetime, status: str) -> SignUp:
    """Take the right to confirm this number now: none sent in the last day."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(C) if dialect == "postgresql" else sqlite.insert(C)
    statement = insert.values(phone=phone, sent_at=now, status=status).on_conflict_do_update(
        index_elements=[C.c.phone],
        set_={"sent_at": now, "status": status, "provider_id": None, "error": None},
        where=C.c.sent_at <= now - CONFIRM_EVERY,
    )
    # RETURNING names the row only when it was inserted or updated: rowcount is not
    # reliable for an upsert whose WHERE said no on every driver.
    claimed = session.execute(statement.returning(C.c.phone)).first()
    if claimed is None:
        return SignUp(False, "confirmed less than a day ago")
    return SignUp(status == "sending")


def confirmation_sent(
    engine: Engine, phone: str, provider_id: str | None, error: str | None
) -> None:
    """What became of the confirmation: Twilio's id, or the error in one line."""
    with engine.begin() as connection:
        connection.execute(
            update(C)
            .where(C.c.phone == phone)
            .values(
                status="failed" if error else "sent",
                provider_id=provider_id,
                error=(error or "")[:100] or None,
            )
        )
