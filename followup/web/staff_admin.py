"""Admins manage staff at /staff/people: add people, change roles, disable and enable,
unlock after too many wrong passwords, and set new passwords.

Every change is an admin's form post: CSRF-checked, and made by a `followup.staff` function
that writes the change and its audit row in one transaction (the CLI can call the same ones).
The rules (nobody disables or demotes themself; the last enabled admin stays one) live
there too, so no caller can skip them.

Passwords: the admin types one of at least 12 characters to hand over, or leaves the field
blank and one is generated. A generated password is shown once, on the page answering the
post itself (never via a redirect, since the session cookie is signed but readable), with
`Cache-Control: no-store`; only its Argon2 hash is kept and no audit row holds either.

A disabled person's open session stops on its next request (`require_staff` checks every
time), and a role change takes effect on the next request the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from followup.core import clock
from followup.staff import (
    ROLES,
    StaffError,
    StaffNotFound,
    add_staff,
    check_email,
    disable_staff,
    enable_staff,
    generate_password,
    list_staff,
    set_password,
    set_role,
    unlock_staff,
)
from followup.web.auth import Staff, require_admin
from followup.web.params import RowId
from followup.web.sections.common import checked_form, flash, section_page

__all__ = ["staff_admin_router"]

PEOPLE = "/staff/people"


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _rows(engine: Engine, now: datetime) -> list[dict[str, Any]]:
    """The accounts as the page shows them; a lock that has run out is no lock."""
    return [
        {
            "user": user,
            "locked": user.locked_until is not None and user.locked_until > now,
        }
        for user in list_staff(engine)
    ]


def _people_page(
    request: Request,
    staff: Staff,
    status_code: int = 200,
    *,
    error: str | None = None,
    new_email: str = "",
    new_role: str = "clinician",
    shown_password: dict[str, str] | None = None,
) -> HTMLResponse:
    """The list and its forms; `shown_password` is a generated password, shown this once."""
    response = section_page(
        request,
        "staff_admin.html",
        staff,
        status_code,
        rows=_rows(_engine(request), clock.now()),
        roles=ROLES,
        error=error,
        new_email=new_email,
        new_role=new_role if new_role in ROLES else "clinician",
        shown_password=shown_password,
    )
    if shown_password is not None:
        # The one page that ever shows the password: keep it out of every cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def _done(request: Request, text: str) -> RedirectResponse:
    """Post/redirect/get, with a notice that names the person, never a password."""
    flash(request, text)
    return RedirectResponse(PEOPLE, status_code=303)


def _sentence(exc: StaffError) -> str:
    """The refusal as a sentence: `followup.staff` words its messages for the CLI too."""
    message = str(exc)
    if "@" not in message.split(" ", 1)[0]:  # an email stays as it is stored
        message = message[:1].upper() + message[1:]
    return message if message.endswith(".") else message + "."


def _refused(request: Request, staff: Staff, exc: StaffError) -> HTMLResponse:
    """The page again, saying why the change was refused (404 for an unknown id)."""
    status_code = 404 if isinstance(exc, StaffNotFound) else 400
    return _people_page(request, staff, status_code, error=_sentence(exc))


def staff_admin_router() -> APIRouter:
    """Admins list and manage staff accounts at /staff/people; clinicians get a 403."""
    router = APIRouter(prefix="/staff")

    @router.get("/people", response_class=HTMLResponse)
    def people(request: Request, staff: Staff = Depends(require_admin)) -> HTMLResponse:
        """Everybody with an account: role, last sign-in, lockout, disabled."""
        return _people_page(request, staff)

    @router.post("/people", response_model=None)
    async def add(request: Request, staff: Staff = Depends(require_admin)) -> Response:
        """Add a person with the password typed, or a generated one shown once."""
        form = await checked_form(request)
        email, role = form.get("email", "").strip(), form.get("role", "")
        password = form.get("password", "")
        generated = password == ""
        if generated:
            password = generate_password()
        try:
            email = check_email(email)
            user = add_staff(_engine(request), email, role, password, clock.now(), staff.email)
        except StaffError as exc:
            return _people_page(
                request, staff, 400, error=_sentence(exc), new_email=email, new_role=role
            )
        if generated:
            shown = {"email": user.email, "password": password, "what": "added"}
            return _people_page(request, staff, 201, shown_password=shown)
        return _done(
            request,
            f"{user.email} added as {user.role}. Hand them the password you chose; "
            "they sign in with it now.",
        )

    @router.post("/people/{staff_id}/role", response_model=None)
    async def change_role(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Make a person admin or clinician."""
        form = await checked_form(request)
        try:
            user = set_role(
                _engine(request), staff_id, form.get("role", ""), staff.email, clock.now()
            )
        except StaffError as exc:
            return _refused(request, staff, exc)
        return _done(request, f"{user.email} is now {user.role}.")

    @router.post("/people/{staff_id}/disable", response_model=None)
    async def disable(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Stop a person signing in, and end their open session."""
        await checked_form(request)
        try:
            user = disable_staff(_engine(request), staff_id, staff.email, clock.now())
        except StaffError as exc:
            return _refused(request, staff, exc)
        return _done(
            request,
            f"{user.email} is disabled: they cannot sign in, and an open session ends "
            "on its next request.",
        )

    @router.post("/people/{staff_id}/enable", response_model=None)
    async def enable(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Let a disabled person sign in again."""
        await checked_form(request)
        try:
            user = enable_staff(_engine(request), staff_id, staff.email, clock.now())
        except StaffError as exc:
            return _refused(request, staff, exc)
        return _done(request, f"{user.email} can sign in again.")

    @router.post("/people/{staff_id}/unlock", response_model=None)
    async def unlock(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Clear a person's wrong-password count and lockout."""
        await checked_form(request)
        try:
            user = unlock_staff(_engine(request), staff_id, staff.email, clock.now())
        except StaffError as exc:
            return _refused(request, staff, exc)
        return _done(request, f"{user.email} is unlocked and can sign in now.")

    @router.post("/people/{staff_id}/password", response_model=None)
    async def new_password(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Set the password typed, or a generated one shown once; a lockout ends too."""
        form = await checked_form(request)
        password = form.get("password", "")
        generated = password == ""
        if generated:
            password = generate_password()
        try:
            user = set_password(_engine(request), staff_id, password, staff.email, clock.now())
        except StaffError as exc:
            return _refused(request, staff, exc)
        if generated:
            shown = {"email": user.email, "password": password, "what": "reset"}
            return _people_page(request, staff, shown_password=shown)
        return _done(request, f"{user.email} has a new password. Hand it over.")

    return router
