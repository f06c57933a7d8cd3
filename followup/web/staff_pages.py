"""Staff pages: sign-in, sign-out and home. Later sections hang off the same router pattern."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func
from sqlmodel import Session, col, select

from followup.core import clock
from followup.db.models import Alert, InboundMessage, MessageStatus, ScheduledMessage
from followup.protocol import Protocol
from followup.staff import FIRST_ADMIN, LockedOut, SignInRefused, authenticate, has_admin
from followup.web.auth import Staff, check_csrf, csrf_token, require_staff, sign_in, sign_out
from followup.web.forms import form_fields

PAGES = Jinja2Templates(directory=str(Path(__file__).parent / "pages"))


def render_page(
    request: Request, name: str, staff: Staff | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page with what every page needs: the clinic, the signed-in person, the CSRF token."""
    protocol: Protocol = request.app.state.protocol
    return PAGES.TemplateResponse(
        request,
        name,
        {
            "clinic_name": protocol.clinic.name,
            "staff": staff,
            "csrf_token": csrf_token(request),
            **context,
        },
        status_code=status_code,
    )


def staff_router() -> APIRouter:
    router = APIRouter(prefix="/staff")

    @router.get("/sign-in", response_class=HTMLResponse)
    def sign_in_page(request: Request, next: str = "/staff/") -> HTMLResponse:
        # A new clinic has no account to sign in with: the page says how to make the first.
        first_admin = None if has_admin(request.app.state.engine) else FIRST_ADMIN
        return render_page(
            request,
            "sign_in.html",
            None,
            next=_safe_next(next),
            email="",
            error=None,
            first_admin=first_admin,
        )

    @router.post("/sign-in", response_model=None)
    async def sign_in_submit(request: Request) -> Response:
        form = await form_fields(request)
        check_csrf(request, form)
        email, target = form.get("email", ""), _safe_next(form.get("next", ""))
        try:
            user = authenticate(
                request.app.state.engine, email, form.get("password", ""), clock.now()
            )
        except (SignInRefused, LockedOut) as exc:
            return render_page(
                request, "sign_in.html", None, 401, next=target, email=email, error=str(exc)
            )
        sign_in(request, user)
        return RedirectResponse(target, status_code=303)

    @router.post("/sign-out", response_model=None)
    async def sign_out_submit(request: Request, _staff: Staff = Depends(require_staff)) -> Response:
        check_csrf(request, await form_fields(request))
        sign_out(request)
        return RedirectResponse("/staff/sign-in", status_code=303)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request, staff: Staff = Depends(require_staff)) -> HTMLResponse:
        now = clock.now()
        with Session(request.app.state.engine) as session:
            counts = {
                "open_alerts": session.exec(
                    select(func.count())
                    .select_from(Alert)
                    .where(col(Alert.acknowledged_at).is_(None))
                ).one(),
                "attention": session.exec(
                    select(func.count())
                    .select_from(InboundMessage)
                    .where(
                        col(InboundMessage.needs_attention),
                        col(InboundMessage.handled_at).is_(None),
                    )
                ).one(),
                "due_today": session.exec(
                    select(func.count())
                    .select_from(ScheduledMessage)
                    .where(
                        ScheduledMessage.status == MessageStatus.PENDING,
                        col(ScheduledMessage.due_at) < now + timedelta(hours=24),
                    )
                ).one(),
            }
        return render_page(request, "home.html", staff, counts=counts)

    return router


def _safe_next(target: str) -> str:
    """Only redirect within the staff pages after sign-in, never to another site."""
    return target if target.startswith("/staff/") and not target.startswith("//") else "/staff/"
