"""Staff passwords and sign-in: Argon2 hashes, checks on new passwords and addresses, and
the lockout after repeated wrong passwords."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.core.errors import FollowupError
from followup.db.models import StaffUser

ROLES = ("admin", "clinician")
FIRST_ADMIN = "followup staff add EMAIL --role admin"  # how a new clinic gets its first account


MIN_PASSWORD = 12


# After this many wrong passwords in a row the account waits; each further one doubles it.
LOCK_AFTER = 5


LOCK_FOR = timedelta(minutes=1)


MAX_LOCK = timedelta(hours=1)


HASHER = PasswordHasher()


# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not-a-real-password-for-timing")


class StaffError(FollowupError):
    """The staff account request was refused."""


class SignInRefused(StaffError):
    """Wrong email or password."""


class LockedOut(StaffError):
    """Too many wrong passwords; try again later."""


def authenticate(engine: Engine, email: str, password: str, now: datetime) -> StaffUser:
    """The account for this email and password, counting failures towards a lockout."""
    with Session(engine, expire_on_commit=False) as session:
        user = session.exec(
            select(StaffUser).where(StaffUser.email == email.strip().lower())
        ).first()
        if user is None or user.disabled_at is not None:
            _verify(_DUMMY_HASH, password)
            raise SignInRefused()
        if user.locked_until is not None and user.locked_until > now:
            raise LockedOut(
                f"too many wrong passwords; try again after {user.locked_until:%H:%M} UTC"
            )
        if not _verify(user.password_hash, password):
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= LOCK_AFTER:
                wait = min(LOCK_FOR * 2 ** (user.failed_sign_ins - LOCK_AFTER), MAX_LOCK)
                user.locked_until = now + wait
            session.add(user)
            session.commit()
            raise SignInRefused()
        user.failed_sign_ins, user.locked_until, user.last_sign_in_at = 0, None, now
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
        session.add(user)
        session.commit()
        return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class StaffNotFound(StaffError):
    """No staff account has that id or email."""


def check_email(email: str) -> str:
    """The email as stored (trimmed, lower-cased), or StaffError if it cannot be an address.

    Stricter than `add_staff`'s own check: no spaces, no markup characters, a dotted domain.
    """
    email = email.strip().lower()
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain.strip(".")
        or len(email) > 254
        or any(c.isspace() or c in '<>"(),;:[]\\' for c in email)
    ):
        raise StaffError(f"{email!r} is not an email address")
    return email


def generate_password() -> str:
    """A random password an admin can read out or copy: four groups of four, ~78 bits.

    Lower-case letters and digits without look-alikes (0/o, 1/l/i), e.g. "k7mq-3xrt-p9wd-hn4c".
    """
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
