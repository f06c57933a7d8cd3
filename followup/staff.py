"""Staff accounts: Argon2 password hashes, sign-in with lockout, API tokens, the audit log."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from followup.db.models import ApiToken, AuditEvent, StaffUser
from followup.errors import FollowupError

ROLES = ("admin", "clinician")
FIRST_ADMIN = "followup staff add EMAIL --role admin"  # how a new clinic gets its first account
MIN_PASSWORD = 12
# After this many wrong passwords in a row the account waits; each further one doubles it.
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=1)
MAX_LOCK = timedelta(hours=1)
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class StaffError(FollowupError):
    """The staff account request was refused."""


class SignInRefused(StaffError):
    """Wrong email or password."""


class LockedOut(StaffError):
    """Too many wrong passwords; try again later."""


def add_staff(
    engine: Engine, email: str, role: str, password: str, now: datetime, actor: str = "cli"
) -> StaffUser:
    """Create a staff account; the email is its name, lower-cased."""
    email = email.strip().lower()
    if role not in ROLES:
        raise StaffError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if "@" not in email:
        raise StaffError(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password must be at least {MIN_PASSWORD} characters")
    user = StaffUser(email=email, role=role, password_hash=_hasher.hash(password), created_at=now)
    with Session(engine, expire_on_commit=False) as session:
        session.add(user)
        try:
            session.flush()
        except IntegrityError:
            raise StaffError(f"{email} already has an account") from None
        audit(
            session,
            actor,
            "staff.add",
            "staff_user",
            user.id,
            None,
            {"email": email, "role": role},
            now,
        )
        session.commit()
    return user


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
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        session.add(user)
        session.commit()
        return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def audit(
    session: Session,
    actor: str,
    action: str,
    record_type: str,
    record_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> None:
    """Add an audit row in the caller's transaction, so the change and its record commit together."""
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            before=json.dumps(before, default=str, sort_keys=True) if before is not None else None,
            after=json.dumps(after, default=str, sort_keys=True) if after is not None else None,
        )
    )


def create_token(engine: Engine, name: str, actor: str, now: datetime) -> str:
    """A new bearer token, shown once; only its SHA-256 is stored."""
    token = "fu_" + secrets.token_urlsafe(32)
    with Session(engine) as session:
        row = ApiToken(name=name, token_hash=_token_hash(token), created_by=actor, created_at=now)
        session.add(row)
        session.flush()
        audit(session, actor, "token.create", "api_token", row.id, None, {"name": name}, now)
        session.commit()
    return token


def revoke_token(engine: Engine, token_id: int, actor: str, now: datetime) -> None:
    """Stop a token working at once."""
    with Session(engine) as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise StaffError(f"no API token has id {token_id}")
        if row.revoked_at is None:
            row.revoked_at = now
            session.add(row)
            audit(
                session,
                actor,
                "token.revoke",
                "api_token",
                token_id,
                {"revoked": False},
                {"revoked": True},
                now,
            )
            session.commit()


def token_owner(engine: Engine, token: str, now: datetime) -> str | None:
    """Who a bearer token acts for ("token:<name>"), or None if it is unknown or revoked."""
    with Session(engine) as session:
        row = session.exec(
            select(ApiToken).where(
                ApiToken.token_hash == _token_hash(token), col(ApiToken.revoked_at).is_(None)
            )
        ).first()
        if row is None:
            return None
        row.last_used_at = now
        session.add(row)
        session.commit()
        return f"token:{row.name}"


def _token_hash(token: str) -> str:
    # Tokens are long random strings, so a plain SHA-256 is enough; no salt or stretching needed.
    return hashlib.sha256(token.encode()).hexdigest()


# -- Admins manage staff: the web page (/staff/people) and the CLI share these. -----------


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


def list_staff(engine: Engine) -> list[StaffUser]:
    """Every staff account, by email."""
    with Session(engine) as session:
        return list(session.exec(select(StaffUser).order_by(col(StaffUser.email))).all())


def has_admin(engine: Engine) -> bool:
    """Whether an enabled admin account exists: until one does, nobody manages the clinic."""
    with Session(engine) as session:
        found = session.exec(
            select(StaffUser.id)
            .where(StaffUser.role == "admin", col(StaffUser.disabled_at).is_(None))
            .limit(1)
        ).first()
    return found is not None


def set_role(engine: Engine, who: int | str, role: str, actor: str, now: datetime) -> StaffUser:
    """Make a person admin or clinician. Nobody demotes themself or the last enabled admin."""
    if role not in ROLES:
        raise StaffError(f"role {role!r}: use one of {', '.join(ROLES)}")
    with Session(engine, expire_on_commit=False) as session:
        admins = _lock_enabled_admins(session)
        user = _staff_for_update(session, who)
        if user.role == role:
            return user
        if user.role == "admin" and user.disabled_at is None:
            _refuse_losing_an_admin(user, admins, actor, "change your own role")
        before = {"role": user.role}
        user.role = role
        session.add(user)
        audit(session, actor, "staff.set_role", "staff_user", user.id, before, {"role": role}, now)
        session.commit()
        return user


def disable_staff(engine: Engine, who: int | str, actor: str, now: datetime) -> StaffUser:
    """Stop a person signing in; their open session ends on its next request."""
    with Session(engine, expire_on_commit=False) as session:
        admins = _lock_enabled_admins(session)
        user = _staff_for_update(session, who)
        if user.disabled_at is not None:
            return user
        if user.role == "admin":
            _refuse_losing_an_admin(user, admins, actor, "disable your own account")
        elif _is_actor(user, actor):
            raise StaffError("You cannot disable your own account; another admin can.")
        user.disabled_at = now
        session.add(user)
        audit(
            session,
            actor,
            "staff.disable",
            "staff_user",
            user.id,
            {"disabled_at": None},
            {"disabled_at": now},
            now,
        )
        session.commit()
        return user


def enable_staff(engine: Engine, who: int | str, actor: str, now: datetime) -> StaffUser:
    """Let a disabled person sign in again (with the password they had)."""
    with Session(engine, expire_on_commit=False) as session:
        user = _staff_for_update(session, who)
        if user.disabled_at is None:
            return user
        before = {"disabled_at": user.disabled_at}
        user.disabled_at = None
        session.add(user)
        audit(
            session,
            actor,
            "staff.enable",
            "staff_user",
            user.id,
            before,
            {"disabled_at": None},
            now,
        )
        session.commit()
        return user


def unlock_staff(engine: Engine, who: int | str, actor: str, now: datetime) -> StaffUser:
    """Forget a person's wrong passwords, ending any lockout at once."""
    with Session(engine, expire_on_commit=False) as session:
        user = _staff_for_update(session, who)
        if user.failed_sign_ins == 0 and user.locked_until is None:
            return user
        before = _lock_state(user)
        user.failed_sign_ins, user.locked_until = 0, None
        session.add(user)
        audit(session, actor, "staff.unlock", "staff_user", user.id, before, _lock_state(user), now)
        session.commit()
        return user


def set_password(
    engine: Engine, who: int | str, password: str, actor: str, now: datetime
) -> StaffUser:
    """Give a person a new password (an admin hands it over); any lockout ends too.

    The audit row says that the password changed, never what to.
    """
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password must be at least {MIN_PASSWORD} characters")
    with Session(engine, expire_on_commit=False) as session:
        user = _staff_for_update(session, who)
        before = _lock_state(user)
        user.password_hash = _hasher.hash(password)
        user.failed_sign_ins, user.locked_until = 0, None
        session.add(user)
        audit(
            session,
            actor,
            "staff.set_password",
            "staff_user",
            user.id,
            before,
            {**_lock_state(user), "password_changed": True},
            now,
        )
        session.commit()
        return user


def _staff_for_update(session: Session, who: int | str) -> StaffUser:
    """The account by id or by email, row-locked (PostgreSQL) until the session commits."""
    query = select(StaffUser).with_for_update()
    if isinstance(who, int):
        query = query.where(StaffUser.id == who)
    else:
        query = query.where(StaffUser.email == who.strip().lower())
    user = session.exec(query).first()
    if user is None:
        by = "id" if isinstance(who, int) else "email"
        raise StaffNotFound(f"no staff account has {by} {who}")
    return user


def _lock_enabled_admins(session: Session) -> list[StaffUser]:
    """The enabled admins, row-locked in id order before the target row is.

    Two admins demoting or disabling each other at once then take turns, and the second
    sees the first's change: the clinic is never left without an admin. (SQLite has no
    row locks; it lets only one writer commit a change made on what it read.)
    """
    return list(
        session.exec(
            select(StaffUser)
            .where(StaffUser.role == "admin", col(StaffUser.disabled_at).is_(None))
            .order_by(col(StaffUser.id))
            .with_for_update()
        ).all()
    )


def _refuse_losing_an_admin(
    user: StaffUser, admins: list[StaffUser], actor: str, own_action: str
) -> None:
    """Refuse to demote or disable an enabled admin who is the last one, or the actor."""
    if all(a.id == user.id for a in admins):
        raise StaffError(
            f"{user.email} is the only enabled admin: make another person an admin first."
        )
    if _is_actor(user, actor):
        raise StaffError(f"You cannot {own_action}; another admin can.")


def _is_actor(user: StaffUser, actor: str) -> bool:
    return user.email == actor.strip().lower()


def _lock_state(user: StaffUser) -> dict[str, Any]:
    return {"failed_sign_ins": user.failed_sign_ins, "locked_until": user.locked_until}
