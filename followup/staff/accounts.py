"""Staff accounts as an admin manages them: add, list, change role, disable, enable,
unlock, set a password; the last enabled admin is never lost. And a person's own password.

A new password, a role change and disabling end every session of the person in the same
transaction as the change. Adding and setting passwords run Argon2: call them off the
event loop, in the hashing pool."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from followup.db.models import SignInFailure, StaffUser
from followup.staff.audit import audit
from followup.staff.passwords import (
    HASHER,
    ROLES,
    StaffError,
    StaffNotFound,
    WrongPassword,
    check_new_password,
    verify,
)
from followup.staff.scope import store_locations
from followup.staff.sessions import end_sessions
from followup.staff.signin import count_failure


def add_staff(
    engine: Engine,
    email: str,
    role: str,
    password: str,
    now: datetime,
    actor: str = "cli",
    locations: frozenset[str] | None = None,
) -> StaffUser:
    """Create a staff account; the email is its name, lower-cased. `locations`: the keys
    of the locations they see; None, every one."""
    email = email.strip().lower()
    if role not in ROLES:
        raise StaffError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if "@" not in email:
        raise StaffError(f"{email!r} is not an email address")
    check_new_password(password, email)
    user = StaffUser(
        email=email,
        role=role,
        password_hash=HASHER.hash(password),
        created_at=now,
        locations=store_locations(locations),
    )
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
            {"email": email, "role": role, "locations": user.locations},
            now,
        )
        session.commit()
    return user


def set_locations(
    engine: Engine, who: int | str, locations: frozenset[str] | None, actor: str, now: datetime
) -> StaffUser:
    """Change which locations a person sees (None: every one); their sessions end, so the
    next page they open shows only what they may now see."""
    with Session(engine, expire_on_commit=False) as session:
        user = _staff_for_update(session, who)
        before = {"locations": user.locations}
        user.locations = store_locations(locations)
        session.add(user)
        end_sessions(session, user.id)
        after = {"locations": user.locations}
        audit(session, actor, "staff.set_locations", "staff_user", user.id, before, after, now)
        session.commit()
        return user


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
        end_sessions(session, user.id)
        audit(session, actor, "staff.set_role", "staff_user", user.id, before, {"role": role}, now)
        session.commit()
        return user


def disable_staff(engine: Engine, who: int | str, actor: str, now: datetime) -> StaffUser:
    """Stop a person signing in, and end their sessions (their tokens stop too)."""
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
        end_sessions(session, user.id)
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
        session.exec(delete(SignInFailure).where(col(SignInFailure.staff_id) == user.id))
        audit(session, actor, "staff.unlock", "staff_user", user.id, before, _lock_state(user), now)
        session.commit()
        return user


def set_password(
    engine: Engine, who: int | str, password: str, actor: str, now: datetime
) -> StaffUser:
    """Give a person a new password (an admin hands it over); any lockout and every
    session of theirs end too.

    The audit row says that the password changed, never what to.
    """
    with Session(engine, expire_on_commit=False) as session:
        user = _staff_for_update(session, who)
        check_new_password(password, user.email)
        before = _lock_state(user)
        _new_password(session, user, password)
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


def change_own_password(
    engine: Engine, staff_id: int, current: str, new: str, address: str, now: datetime
) -> StaffUser:
    """A person changes their own password, giving the current one first. A wrong one
    counts against the account like a wrong sign-in. Every session of theirs ends: the
    caller starts a new one for the browser that asked."""
    with Session(engine, expire_on_commit=False) as session:
        user = _staff_for_update(session, staff_id)
        if not verify(user.password_hash, current):
            audit(
                session,
                user.email,
                "staff.change_password_refused",
                "staff_user",
                user.id,
                None,
                {"address": address, "reason": "wrong current password"},
                now,
            )
            count_failure(session, staff_id, address, now)
            session.commit()
            raise WrongPassword()
        check_new_password(new, user.email)
        if new == current:
            raise StaffError("the new password is the current one")
        _new_password(session, user, new)
        audit(
            session,
            user.email,
            "staff.change_password",
            "staff_user",
            user.id,
            None,
            {"password_changed": True},
            now,
        )
        session.commit()
        return user


def _new_password(session: Session, user: StaffUser, password: str) -> None:
    user.password_hash = HASHER.hash(password)
    user.failed_sign_ins, user.locked_until = 0, None
    session.add(user)
    session.exec(delete(SignInFailure).where(col(SignInFailure.staff_id) == user.id))
    end_sessions(session, user.id)


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
