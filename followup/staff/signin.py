"""Signing in: one answer for every refusal, the per-account window, and the audit trail.

Every refusal (an unknown email, a disabled or locked account, a wrong password) answers
the same words ("Wrong email or password.") after the same work: one Argon2 verification
and one commit with its audit row. So neither the words nor the time tell an attacker
whether an account exists or is locked.

Per account, a sliding window in the database (`sign_in_failure`, shared by every web
process): `LOCK_AFTER` wrong passwords within `LOCK_WINDOW` lock the account until the
window has room again. A lock must not let an attacker keep the on-call clinician out,
so it does not apply to a browser the account signed in from before with its current
password (the web layer's device mark, `Attempt.trusted`); anyone else waits for the
window, or for an admin's unlock. Open sessions are never ended by a lock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import Engine, delete, func
from sqlmodel import Session, col, select

from followup.db.models import SignInFailure, StaffUser
from followup.staff.audit import audit
from followup.staff.passwords import DUMMY_HASH, HASHER, SignInRefused, verify

LOCK_AFTER = 10
LOCK_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sign-in: what was typed, from where, and whose device mark the browser holds."""

    email: str
    password: str
    address: str
    trusted: tuple[int, str] | None = None  # (staff id, password fingerprint) from the mark


def fingerprint(user: StaffUser) -> str:
    """Names the account's current password in its device mark: a new password (a reset
    after a leak) makes every earlier mark worthless."""
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:32]


def authenticate(engine: Engine, attempt: Attempt, now: datetime) -> StaffUser:
    """The account for this email and password, or SignInRefused (always the same words).

    Runs Argon2: call it off the event loop, in the hashing pool.
    """
    email = attempt.email.strip().lower()
    with Session(engine, expire_on_commit=False) as session:
        user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    if user is None or user.disabled_at is not None:
        verify(DUMMY_HASH, attempt.password)
        _refuse(engine, user, attempt, "disabled" if user else "unknown email", now)
    locked = user.locked_until is not None and user.locked_until > now
    trusted = attempt.trusted == (user.id, fingerprint(user))
    right = verify(user.password_hash, attempt.password)  # always: a lock costs the same time
    if not right:
        _refuse(engine, user, attempt, "wrong password", now)
    if locked and not trusted:
        _refuse(engine, user, attempt, "locked; the password was right", now)
    with Session(engine, expire_on_commit=False) as session:
        row = _for_update(session, user.id)
        session.exec(delete(SignInFailure).where(col(SignInFailure.staff_id) == row.id))
        row.failed_sign_ins, row.locked_until, row.last_sign_in_at = 0, None, now
        if HASHER.check_needs_rehash(row.password_hash):
            row.password_hash = HASHER.hash(attempt.password)
        session.add(row)
        session.commit()
        return row


def count_failure(session: Session, user_id: int, address: str, now: datetime) -> bool:
    """Add a wrong password to the account's window, in the caller's transaction; lock the
    account while the window is full. True when this one locked it (audited here)."""
    user = _for_update(session, user_id)
    session.exec(delete(SignInFailure).where(col(SignInFailure.at) <= now - LOCK_WINDOW))
    session.add(SignInFailure(staff_id=user_id, at=now))
    session.flush()
    recent = list(
        session.exec(
            select(SignInFailure.at)
            .where(SignInFailure.staff_id == user_id)
            .order_by(col(SignInFailure.at).desc())
            .limit(LOCK_AFTER)
        ).all()
    )
    total = session.exec(
        select(func.count()).select_from(SignInFailure).where(SignInFailure.staff_id == user_id)
    ).one()
    was_locked = user.locked_until is not None and user.locked_until > now
    user.failed_sign_ins = int(total)
    if len(recent) >= LOCK_AFTER:
        # Until the oldest of the last LOCK_AFTER leaves the window.
        user.locked_until = min(recent) + LOCK_WINDOW
    session.add(user)
    if len(recent) < LOCK_AFTER or was_locked:
        return False
    audit(
        session,
        f"address:{address}",
        "staff.sign_in_locked",
        "staff_user",
        user_id,
        None,
        {"failures": LOCK_AFTER, "window_minutes": _minutes(), "locked_until": user.locked_until},
        now,
    )
    return True


def record_address_stopped(engine: Engine, address: str, until: datetime, now: datetime) -> None:
    """Audit that an address has had too many failed sign-ins (once per stop, not per try:
    a write per refused try would hand the attacker the database)."""
    with Session(engine) as session:
        audit(
            session,
            f"address:{address}",
            "staff.sign_in_throttled",
            "address",
            address,
            None,
            {"until": until},
            now,
        )
        session.commit()


def _refuse(
    engine: Engine, user: StaffUser | None, attempt: Attempt, reason: str, now: datetime
) -> NoReturn:
    """Write down a refused sign-in (and count it against the account), then refuse."""
    with Session(engine) as session:
        audit(
            session,
            f"address:{attempt.address}",
            "staff.sign_in_failed",
            "staff_user",
            user.id if user is not None else "unknown",
            None,
            # What was typed as the email is kept only when it is an account's: people
            # type passwords into the email field.
            {"address": attempt.address, "reason": reason},
            now,
        )
        if user is not None and user.id is not None and reason == "wrong password":
            count_failure(session, user.id, attempt.address, now)
        session.commit()
    raise SignInRefused()


def _for_update(session: Session, user_id: int | None) -> StaffUser:
    """The account row, locked (PostgreSQL) until the transaction ends."""
    return session.exec(select(StaffUser).where(StaffUser.id == user_id).with_for_update()).one()


def _minutes() -> int:
    return int(LOCK_WINDOW.total_seconds() // 60)
