"""Error answers: a readable page for a person's browser, today's JSON for everything else.

A browser is a request that accepts text/html outside `/api/` and `/twilio/`; the API,
Twilio and any client asking for JSON get FastAPI's own answers, unchanged. A page never
shows a traceback, an exception's words or an internal name: only the status, what it
means, and what to do next.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from followup.web.auth import Staff, csrf_token, current_staff
from followup.web.headers import security_headers

log = logging.getLogger(__name__)
PAGES = Jinja2Templates(directory=str(Path(__file__).parent / "pages"))
# Paths whose callers are programs: their errors stay JSON (or Twilio's own answers).
_MACHINE_PREFIXES = ("/api/", "/twilio/")

TITLES = {
    400: "The request could not be read",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "This address does not take that request",
    413: "What was sent is too large",
    422: "The form could not be used",
    429: "Too many requests",
    500: "Something went wrong on the server",
}
ADVICE = {
    403: "If you followed a link or sent a form, go back, reload the page and try again.",
    404: "The address may be mistyped, or what it named no longer exists.",
    405: "Use the page's own links and buttons: go back, reload the page and try again.",
    422: "Go back, reload the page so the form is fresh, fill it in and send it again.",
    500: (
        "Nothing you did caused this. Try again in a minute; if it happens again, tell "
        "whoever runs followup for the clinic the time it happened."
    ),
}


def wants_html(request: Request) -> bool:
    """Whether a person's browser asked: HTML accepted, and not an API or Twilio path."""
    path = request.url.path
    if path.startswith(_MACHINE_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "").lower()


def install_error_pages(app: FastAPI) -> None:
    """Register the handlers: HTTP errors, invalid requests, and anything unexpected."""
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _server_error)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if not wants_html(request):
        return await http_exception_handler(request, exc)
    # Starlette's own 404 and 405 words ("Not Found") say less than the title does.
    plain = exc.status_code in (404, 405) and exc.detail in ("Not Found", "Method Not Allowed")
    detail = exc.detail if isinstance(exc.detail, str) and not plain else None
    return error_page(request, exc.status_code, detail, headers=exc.headers)


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    if not wants_html(request):
        return await request_validation_exception_handler(request, exc)
    # Which fields, never what was in them: a value may be a patient's words.
    fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
    detail = "Missing or not valid: " + ", ".join(fields) + "." if fields else None
    return error_page(request, 422, detail)


async def _server_error(request: Request, exc: Exception) -> Response:
    # Runs outside every middleware (Starlette's ServerErrorMiddleware), so the security
    # headers are added here; the server logs the exception itself after this answer.
    settings = getattr(request.app.state, "settings", None)
    public_url = settings.public_url if settings is not None else None
    https = bool(public_url and public_url.startswith("https://"))
    headers = security_headers(request.url.path, https)
    if not wants_html(request):
        return PlainTextResponse("Internal Server Error", status_code=500, headers=headers)
    return error_page(request, 500, None, headers=headers)


def error_page(
    request: Request,
    status_code: int,
    detail: str | None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The error page: in the staff layout for a signed-in person, plain otherwise."""
    staff = _staff_or_none(request)
    protocol = getattr(request.app.state, "protocol", None)
    context: dict[str, Any] = {
        "clinic_name": protocol.clinic.name if protocol is not None else "followup",
        "staff": staff,
        "csrf_token": csrf_token(request) if staff is not None else "",
        "status_code": status_code,
        "title": TITLES.get(status_code, "The request could not be completed"),
        "detail": detail,
        "advice": ADVICE.get(status_code),
    }
    return PAGES.TemplateResponse(
        request, "error.html", context, status_code=status_code, headers=dict(headers or {})
    )


def _staff_or_none(request: Request) -> Staff | None:
    # An error page must render even when the session store is what failed.
    try:
        return current_staff(request)
    except Exception:  # whatever failed, the page is shown plain instead
        log.debug("error page: the session could not be read; shown signed out")
        return None
