"""Who is asking: a signed-in staff member (session cookie) or a clinic tool (bearer token).

Every staff page and API route depends on `require_staff`; forms also pass `check_csrf`.
Sessions are Starlette's signed cookies (HttpOnly, SameSite=Lax, Secure on https).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from sqlalchemy import Engine
from sqlmodel import Session

from followup.core import clock
from followup.db.models import StaffUser
from followup.staff import token_owner


@dataclass(frozen=True, slots=True)
class Staff:
    """The person (or tool) behind a request."""

    id: int | None
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class SignInRequired(Exception):
    """Raised by `require_staff`; the app turns it into a redirect (pages) or a 401 (API)."""


def sign_in(request: Request, user: StaffUser) -> None:
    """Start a fresh session for this user (a new session id and CSRF token: no fixation)."""
    request.session.clear()
    request.session["staff_id"] = user.id
    request.session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    request.session.clear()


def require_staff(request: Request) -> Staff:
    """The signed-in staff member, or the tool a valid bearer token belongs to."""
    engine: Engine = request.app.state.engine
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and request.url.path.startswith("/api/"):
        owner = token_owner(engine, header[7:].strip(), clock.now())
        if owner is not None:
            # Tokens read and acknowledge; they never administer.
            return Staff(None, owner, "clinician")
        raise SignInRequired()
    staff_id = request.session.get("staff_id")
    if not isinstance(staff_id, int):
        raise SignInRequired()
    with Session(engine) as session:
        user = session.get(StaffUser, staff_id)
    if user is None or user.disabled_at is not None:
        request.session.clear()
        raise SignInRequired()
    return Staff(user.id, user.email, user.role)


def require_admin(staff: Staff = Depends(require_staff)) -> Staff:
    """Admins manage templates, staff and tokens; clinicians read and acknowledge."""
    if not staff.is_admin:
        raise HTTPException(status_code=403, detail="this needs an admin")
    return staff


def csrf_token(request: Request) -> str:
    """The session's CSRF token, for every form's hidden field."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, form: dict[str, str]) -> None:
    """Refuse a form post whose token is missing or not this session's."""
    expected = request.session.get("csrf")
    given = form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, given):
        raise HTTPException(
            status_code=403,
            detail="the form has expired or did not come from this site; reload and try again",
        )
