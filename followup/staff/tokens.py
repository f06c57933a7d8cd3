"""API tokens: shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.db.models import ApiToken
from followup.staff.audit import audit
from followup.staff.passwords import StaffError


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
