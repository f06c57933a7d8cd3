"""Admins manage staff at /staff/people: add people, change roles, disable and enable,
unlock after too many wrong passwords, and set new passwords. The page also lists the
people on call (`web.on_call`), each with a test call.

Every change is an admin's form post: CSRF-checked, and made by a `followup.staff` function
that writes the change and its audit row in one transaction (the CLI can call the same ones).
The rules (nobody disables or demotes themself; the last enabled admin stays one) live
there too, so no caller can skip them.

Passwords: the admin types one of at least 12 characters, not a common one, to hand
over, or leaves the field blank and one is generated. A generated password is shown once,
on the page answering the post itself (never via a redirect, since the session cookie is
signed but readable), with `Cache-Control: no-store`; only its Argon2 hash is kept and no
audit row holds either.

A new password, a role change and disabling end every session of the person at once (in
the database, with the change): they sign in again. An admin who sets their own password
here keeps this browser signed in, with a new session.

The handlers only await: Argon2 (adding, setting passwords) runs in the app's hashing
pool, the rest in the thread pool.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from followup.core import clock
from followup.db.models import StaffUser
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
from followup.web.auth import Staff, hashing, require_admin, sign_in
from followup.web.on_call import calling_note, on_call_rows
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
        on_call=on_call_rows(_engine(request), request.app.state.protocol),
        calling=calling_note(request),
        can_call=request.app.state.dialer is not None,
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


def _add(request: Request, staff: Staff, form: dict[str, str]) -> Response:
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


ROLE_SET = "{email} is now {role}. Their sessions have ended: they sign in again."
DISABLED = (
    "{email} is disabled: they cannot sign in, their sessions have ended and the API "
    "tokens they made have stopped."
)
ENABLED = "{email} can sign in again."
UNLOCKED = "{email} is unlocked and can sign in now."


def _change(
    request: Request,
    staff: Staff,
    notice: str,
    change: Callable[..., StaffUser],
    staff_id: int,
    *args: str,
) -> Response:
    """One of the account changes (with its audit row), then its notice."""
    try:
        user = change(_engine(request), staff_id, *args, staff.email, clock.now())
    except StaffError as exc:
        return _refused(request, staff, exc)
    return _done(request, notice.format(email=user.email, role=user.role))


def _new_password(request: Request, staff: Staff, staff_id: int, form: dict[str, str]) -> Response:
    password = form.get("password", "")
    generated = password == ""
    if generated:
        password = generate_password()
    try:
        user = set_password(_engine(request), staff_id, password, staff.email, clock.now())
    except StaffError as exc:
        return _refused(request, staff, exc)
    if user.id == staff.id:
        sign_in(request, user)  # their own: every session ended, this browser gets a new one
    if generated:
        shown = {"email": user.email, "password": password, "what": "reset"}
        return _people_page(request, staff, shown_password=shown)
    return _done(
        request,
        f"{user.email} has a new password. Hand it over. Their sessions have ended.",
    )


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
        return await hashing(request, _add, request, staff, form)

    @router.post("/people/{staff_id}/role", response_model=None)
    async def change_role(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Make a person admin or clinician; their sessions end."""
        form = await checked_form(request)
        return await run_in_threadpool(
            _change, request, staff, ROLE_SET, set_role, staff_id, form.get("role", "")
        )

    @router.post("/people/{staff_id}/disable", response_model=None)
    async def disable(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Stop a person signing in, and end their sessions at once."""
        await checked_form(request)
        return await run_in_threadpool(_change, request, staff, DISABLED, disable_staff, staff_id)

    @router.post("/people/{staff_id}/enable", response_model=None)
    async def enable(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Let a disabled person sign in again."""
        await checked_form(request)
        return await run_in_threadpool(_change, request, staff, ENABLED, enable_staff, staff_id)

    @router.post("/people/{staff_id}/unlock", response_model=None)
    async def unlock(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Clear a person's wrong-password count and lockout."""
        await checked_form(request)
        return await run_in_threadpool(_change, request, staff, UNLOCKED, unlock_staff, staff_id)

    @router.post("/people/{staff_id}/password", response_model=None)
    async def new_password(
        request: Request, staff_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        """Set the password typed, or a generated one shown once; a lockout ends too."""
        form = await checked_form(request)
        return await hashing(request, _new_password, request, staff, staff_id, form)

    return router
