"""API tokens: shown once, stored as SHA-256, revocable, and ending on their own.

A token works until the first of: its expiry (chosen at creation, `DEFAULT_DAYS` unless
said otherwise), its revocation, or its creator's account being disabled (a token acts
for a person, and stops when they would). Its last use is kept to the minute.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.db.models import ApiToken, StaffUser
from followup.staff.audit import audit
from followup.staff.passwords import StaffError

DEFAULT_DAYS = 90
# What the tokens page offers; the longest is a year, so every token is looked at again.
LIFETIMES_DAYS = (7, 30, 90, 180, 365)
# Writing the last use on every request would be a write per API call.
USE_RECORDED_EVERY = timedelta(minutes=1)


def create_token(
    engine: Engine, name: str, actor: str, now: datetime, days: int = DEFAULT_DAYS
) -> str:
    """A new bearer token for `days`, shown once; only its SHA-256 is stored."""
    if not 1 <= days <= max(LIFETIMES_DAYS):
        raise StaffError(f"a token lasts 1 to {max(LIFETIMES_DAYS)} days, not {days}")
    token = "fu_" + secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=days)
    with Session(engine) as session:
        row = ApiToken(
            name=name,
            token_hash=_token_hash(token),
            created_by=actor,
            created_at=now,
            expires_at=expires_at,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor,
            "token.create",
            "api_token",
            row.id,
            None,
            {"name": name, "expires_at": expires_at},
            now,
        )
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


def token_owner(engine: Engine, token: str, now: datetime) -> tuple[str, str] | None:
    """Who a bearer token acts for ("token:<name>") and the locations its creator sees
    (as stored), or None if it is unknown, revoked, expired, or its creator's account is
    disabled (or gone)."""
    with Session(engine) as session:
        found = session.exec(
            select(ApiToken, StaffUser.locations)
            .join(StaffUser, col(StaffUser.email) == ApiToken.created_by)
            .where(
                ApiToken.token_hash == _token_hash(token),
                col(ApiToken.revoked_at).is_(None),
                col(ApiToken.expires_at) > now,
                col(StaffUser.disabled_at).is_(None),
            )
        ).first()
        if found is None:
            return None
        row, locations = found
        if row.last_used_at is None or now - row.last_used_at >= USE_RECORDED_EVERY:
            row.last_used_at = now
            session.add(row)
            session.commit()
        return f"token:{row.name}", locations


def creators_disabled(engine: Engine) -> set[str]:
    """The creators whose tokens have stopped because their account is disabled or gone."""
    with Session(engine) as session:
        creators = set(session.exec(select(ApiToken.created_by).distinct()).all())
        enabled = set(
            session.exec(
                select(StaffUser.email).where(
                    col(StaffUser.email).in_(creators), col(StaffUser.disabled_at).is_(None)
                )
            ).all()
        )
    return creators - enabled


def _token_hash(token: str) -> str:
    # Tokens are long random strings, so a plain SHA-256 is enough; no salt or stretching needed.
    return hashlib.sha256(token.encode()).hexdigest()
