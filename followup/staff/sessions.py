"""Staff sessions, kept in the database so that they can be ended.

A browser holds a random session id (in its cookie); the `staff_session` table holds the
id's SHA-256, whose person it is, when it started and when it was last used. A session
ends when its row goes: at sign-out, when the person's password, role or account changes
(every session of theirs at once, in the same transaction as the change), after
`idle` without a request, or `MAX_AGE` after it started, whichever comes first. A copied
cookie is then only a random string.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, or_
from sqlmodel import Session, col, select

from followup.db.models import StaffSession, StaffUser

MAX_AGE = timedelta(hours=12)
# `last_seen_at` moves at most this often: a page and its requests cost one write a minute,
# and the idle timeout is exact to within it.
TOUCH_EVERY = timedelta(minutes=1)


def start_session(engine: Engine, staff_id: int, now: datetime, idle: timedelta) -> str:
    """A new session for this person: its id, for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        # Sessions that ran out are deleted as new ones start: the table holds live ones.
        session.exec(
            delete(StaffSession).where(
                or_(
                    col(StaffSession.created_at) <= now - MAX_AGE,
                    col(StaffSession.last_seen_at) <= now - idle,
                )
            )
        )
        session.add(
            StaffSession(
                token_hash=session_hash(token), staff_id=staff_id, created_at=now, last_seen_at=now
            )
        )
        session.commit()
    return token


def session_user(
    engine: Engine, token: str, now: datetime, idle: timedelta, *, active: bool = True
) -> StaffUser | None:
    """The enabled person whose live session this is, or None.

    `active` is False for what a page asks by itself (a poll): that is not the person
    using it, so it does not keep the session from going idle.
    """
    with Session(engine, expire_on_commit=False) as session:
        found = session.exec(
            select(StaffSession, StaffUser)
            .join(StaffUser, col(StaffUser.id) == StaffSession.staff_id)
            .where(StaffSession.token_hash == session_hash(token))
        ).first()
        if found is None:
            return None
        row, user = found
        if (
            user.disabled_at is not None
            or row.created_at + MAX_AGE <= now
            or row.last_seen_at + idle <= now
        ):
            session.delete(row)
            session.commit()
            return None
        if active and now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
            session.add(row)
            session.commit()
        return user


def end_sessions(session: Session, staff_id: int | None) -> None:
    """End every session of this person, in the caller's transaction (with the change
    that is the reason)."""
    if staff_id is not None:
        session.exec(delete(StaffSession).where(col(StaffSession.staff_id) == staff_id))


def sign_out(engine: Engine, staff_id: int | None) -> None:
    """Signing out ends every session of the person, not only this browser's."""
    with Session(engine) as session:
        end_sessions(session, staff_id)
        session.commit()


def session_hash(token: str) -> str:
    # A long random id needs no salt or stretching: SHA-256 keeps a leaked table useless.
    return hashlib.sha256(token.encode()).hexdigest()
