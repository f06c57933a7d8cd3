"""Staff pages: sign-in, sign-out, a person's own password, and home.

Sign-in is limited per client address (in memory, `followup.web.auth.ADDRESS_LIMIT`
failures per window) and per account (`followup.staff.signin`). Argon2 runs in the app's
hashing pool and every other blocking step in the thread pool: these handlers only await,
so a storm of sign-ins never holds up the event loop that answers patients' webhooks.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from followup.core import clock
from followup.db.models import MessageStatus, Patient, ScheduledMessage, StaffUser
from followup.protocol import Protocol
from followup.staff import (
    FIRST_ADMIN,
    MIN_PASSWORD,
    Attempt,
    SignInRefused,
    StaffError,
    WrongPassword,
    authenticate,
    change_own_password,
    has_admin,
    record_address_stopped,
)
from followup.web.auth import (
    Staff,
    check_csrf,
    client_address,
    csrf_token,
    device_mark,
    hashing,
    require_staff,
    set_device_mark,
    sign_in,
    sign_out,
    staff_auth,
)
from followup.web.forms import form_fields
from followup.web.visibility import patients_seen, watch_for

PAGES = Jinja2Templates(directory=str(Path(__file__).parent / "pages"))
# How often every page asks for the open crises (/static/watch.js): at most 15 s late.
WATCH_SECONDS = 15


def render_page(
    request: Request, name: str, staff: Staff | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page with what every page needs: the clinic, the signed-in person, the CSRF token,
    and (signed in) the open crises and counts for the banner, navigation and title."""
    protocol: Protocol = request.app.state.protocol
    now = clock.now()
    seen = watch_for(request, staff) if staff is not None else None
    return PAGES.TemplateResponse(
        request,
        name,
        {
            "clinic_name": protocol.clinic.name,
            "staff": staff,
            "csrf_token": csrf_token(request),
            "watch": seen,
            "crisis_banner": seen.banner(now) if seen else "",
            "watch_seconds": WATCH_SECONDS,
            **context,
        },
        status_code=status_code,
    )


def _sign_in_page(
    request: Request, status_code: int, target: str, email: str, error: str | None
) -> HTMLResponse:
    # A new clinic has no account to sign in with: the page says how to make the first.
    first_admin = None if has_admin(request.app.state.engine) else FIRST_ADMIN
    return render_page(
        request,
        "sign_in.html",
        None,
        status_code,
        next=target,
        email=email,
        error=error,
        first_admin=first_admin,
    )


def _signed_in(request: Request, user: StaffUser, target: str) -> Response:
    """A new session for this browser, and its device mark."""
    sign_in(request, user)
    response = RedirectResponse(target, status_code=303)
    set_device_mark(request, response, user)
    return response


def _password_page(
    request: Request, staff: Staff, status_code: int, error: str | None, changed: bool = False
) -> HTMLResponse:
    return render_page(
        request,
        "password.html",
        staff,
        status_code,
        changed=changed,
        error=error,
        min_password=MIN_PASSWORD,
    )


def _address_stopped(request: Request, target: str, email: str, until: datetime) -> Response:
    minutes = max(1, math.ceil((until - clock.now()) / timedelta(minutes=1)))
    error = (
        f"Too many failed sign-ins from this address. Try again in {minutes} minute"
        f"{'' if minutes == 1 else 's'}, or from a browser you signed in with before."
    )
    response = _sign_in_page(request, 429, target, email, error)
    response.headers["Retry-After"] = str(minutes * 60)
    return response


def staff_router() -> APIRouter:
    router = APIRouter(prefix="/staff")

    @router.get("/sign-in", response_class=HTMLResponse)
    def sign_in_page(request: Request, next: str = "/staff/") -> HTMLResponse:
        return _sign_in_page(request, 200, _safe_next(next), "", None)

    @router.post("/sign-in", response_model=None)
    async def sign_in_submit(request: Request) -> Response:
        form = await form_fields(request)
        check_csrf(request, form)
        email, target = form.get("email", ""), _safe_next(form.get("next", ""))
        address, addresses = client_address(request), staff_auth(request).addresses
        mark = device_mark(request)
        # A browser this account signed in from before is not held back by its address
        # (the clinic's one NAT address, an attacker next door): only by the account.
        trusted = mark is not None and mark.email == email.strip().lower()
        if not trusted:
            until = addresses.reserve(address, clock.now())
            if until is not None:
                return await run_in_threadpool(_address_stopped, request, target, email, until)
        attempt = Attempt(
            email,
            form.get("password", ""),
            address,
            (mark.staff_id, mark.fingerprint) if mark else None,
        )
        user = None
        try:
            user = await hashing(
                request, authenticate, request.app.state.engine, attempt, clock.now()
            )
        except SignInRefused:
            pass
        finally:
            if not trusted:
                now = clock.now()
                if addresses.release(address, now, failed=user is None):
                    until = now + addresses.window
                    await run_in_threadpool(
                        record_address_stopped, request.app.state.engine, address, until, now
                    )
        if user is None:
            error = str(SignInRefused())
            return await run_in_threadpool(_sign_in_page, request, 401, target, email, error)
        return await run_in_threadpool(_signed_in, request, user, target)

    @router.post("/sign-out", response_model=None)
    async def sign_out_submit(request: Request, staff: Staff = Depends(require_staff)) -> Response:
        check_csrf(request, await form_fields(request))
        await run_in_threadpool(sign_out, request, staff)
        return RedirectResponse("/staff/sign-in", status_code=303)

    @router.get("/password", response_class=HTMLResponse)
    def password_page(
        request: Request, changed: bool = False, staff: Staff = Depends(require_staff)
    ) -> HTMLResponse:
        """Change your own password."""
        return _password_page(request, staff, 200, None, changed=changed)

    @router.post("/password", response_model=None)
    async def password_submit(request: Request, staff: Staff = Depends(require_staff)) -> Response:
        form = await form_fields(request)
        check_csrf(request, form)
        assert staff.id is not None  # a session's, never a token's: tokens do not reach /staff/
        # Guessing the current password from a session left open is held to the address's
        # window too; the account's lock does not apply here (its owner is signed in).
        address, addresses = client_address(request), staff_auth(request).addresses
        until = addresses.reserve(address, clock.now())
        if until is not None:
            error = "Too many wrong passwords from this address. Try again later."
            return await run_in_threadpool(_password_page, request, staff, 429, error)
        wrong = False
        try:
            user = await hashing(
                request,
                change_own_password,
                request.app.state.engine,
                staff.id,
                form.get("current", ""),
                form.get("new", ""),
                address,
                clock.now(),
            )
        except WrongPassword as exc:
            wrong = True
            return await run_in_threadpool(_password_page, request, staff, 400, _sentence(exc))
        except StaffError as exc:
            return await run_in_threadpool(_password_page, request, staff, 400, _sentence(exc))
        finally:
            addresses.release(address, clock.now(), failed=wrong)
        # Every session of theirs ended with the change; this browser gets a new one.
        return await run_in_threadpool(_signed_in, request, user, "/staff/password?changed=1")

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request, staff: Staff = Depends(require_staff)) -> HTMLResponse:
        now = clock.now()
        # The same counts as the banner, the navigation and the inbox's queue.
        seen = watch_for(request, staff)
        with Session(request.app.state.engine) as session:
            counts = {
                "open_alerts": seen.open_alerts,
                "crises": seen.crises,
                "attention": seen.waiting,
                "due_today": session.exec(
                    select(func.count())
                    .select_from(ScheduledMessage)
                    .join(Patient, col(Patient.id) == ScheduledMessage.patient_id)
                    .where(
                        ScheduledMessage.status == MessageStatus.PENDING,
                        col(ScheduledMessage.due_at) < now + timedelta(hours=24),
                        patients_seen(request, staff),
                    )
                ).one(),
            }
        return render_page(request, "home.html", staff, counts=counts)

    return router


def _sentence(exc: StaffError) -> str:
    message = str(exc)
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _safe_next(target: str) -> str:
    """Only redirect within the staff pages after sign-in, never to another site."""
    return target if target.startswith("/staff/") and not target.startswith("//") else "/staff/"
