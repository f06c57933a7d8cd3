"""The admin page that issues and revokes API tokens (/staff/tokens).

Each token is made for a lifetime chosen here (90 days unless the admin picks another),
and the page shows when each expires, when it was last used, and whether it has stopped
(revoked, expired, or its creator disabled). The handlers only await; the database work
and rendering run in the thread pool.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from followup.core import clock
from followup.db.models import ApiToken
from followup.protocol import Protocol
from followup.staff import (
    DEFAULT_DAYS,
    LIFETIMES_DAYS,
    StaffError,
    create_token,
    creators_disabled,
    revoke_token,
)
from followup.web.auth import Staff, check_csrf, require_admin
from followup.web.forms import form_fields
from followup.web.params import RowId
from followup.web.patients import clinic_time
from followup.web.staff_pages import render_page

TOKEN_NAME_MAX = 100


def _token_rows(engine: Engine) -> list[ApiToken]:
    with Session(engine) as session:
        return list(session.exec(select(ApiToken).order_by(col(ApiToken.id).desc())).all())


def _tokens_page(
    request: Request,
    staff: Staff,
    status_code: int = 200,
    *,
    new_token: str | None = None,
    new_name: str = "",
    error: str | None = None,
) -> HTMLResponse:
    protocol: Protocol = request.app.state.protocol
    tz = protocol.clinic.tz
    engine: Engine = request.app.state.engine
    response = render_page(
        request,
        "tokens.html",
        staff,
        status_code,
        tokens=_token_rows(engine),
        stopped_creators=creators_disabled(engine),
        now=clock.now(),
        lifetimes=LIFETIMES_DAYS,
        default_days=DEFAULT_DAYS,
        new_token=new_token,
        new_name=new_name,
        error=error,
        clinic_tz=protocol.clinic.timezone,
        when=partial(clinic_time, tz=tz),
    )
    if new_token is not None:
        # The one page that ever shows the token: keep it out of every cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def _create(request: Request, staff: Staff, form: dict[str, str]) -> HTMLResponse:
    name = " ".join(form.get("name", "").split())
    days_text = form.get("days", str(DEFAULT_DAYS))
    days = int(days_text) if days_text.isdigit() else 0
    if not name or len(name) > TOKEN_NAME_MAX:
        error = f"Give the token a name of 1 to {TOKEN_NAME_MAX} characters."
        return _tokens_page(request, staff, 400, new_name=name, error=error)
    if days not in LIFETIMES_DAYS:
        error = f"Choose how long the token lasts: {', '.join(map(str, LIFETIMES_DAYS))} days."
        return _tokens_page(request, staff, 400, new_name=name, error=error)
    engine: Engine = request.app.state.engine
    # Audit rows name a token's actor "token:<name>": two live tokens with one name
    # could not be told apart there.
    if any(t.name == name and t.revoked_at is None for t in _token_rows(engine)):
        error = f"A token named {name!r} is already in use: revoke it or pick another name."
        return _tokens_page(request, staff, 400, new_name=name, error=error)
    # The page is rendered straight from this POST (no redirect): the token must not
    # travel in the session cookie, which is signed but readable.
    token = create_token(engine, name, staff.email, clock.now(), days)
    return _tokens_page(request, staff, 201, new_token=token, new_name=name)


def _revoke(request: Request, staff: Staff, token_id: int) -> Response:
    try:
        revoke_token(request.app.state.engine, token_id, staff.email, clock.now())
    except StaffError:
        return _tokens_page(request, staff, 404, error=f"No API token has id {token_id}.")
    return RedirectResponse("/staff/tokens", status_code=303)


def token_pages_router() -> APIRouter:
    """Admins list, create and revoke API tokens at /staff/tokens."""
    router = APIRouter(prefix="/staff")

    @router.get("/tokens", response_class=HTMLResponse)
    def tokens_page(request: Request, staff: Staff = Depends(require_admin)) -> HTMLResponse:
        return _tokens_page(request, staff)

    @router.post("/tokens", response_class=HTMLResponse)
    async def create(request: Request, staff: Staff = Depends(require_admin)) -> HTMLResponse:
        form = await form_fields(request)
        check_csrf(request, form)
        return await run_in_threadpool(_create, request, staff, form)

    @router.post("/tokens/{token_id}/revoke", response_model=None)
    async def revoke(
        request: Request, token_id: RowId, staff: Staff = Depends(require_admin)
    ) -> Response:
        check_csrf(request, await form_fields(request))
        return await run_in_threadpool(_revoke, request, staff, token_id)

    return router
