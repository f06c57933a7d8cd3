"""The public pages: the text-message sign-up (`/optin`) and email's one-click unsubscribe.

Nobody signs in here, so what a page says never depends on who a number or an address
belongs to: no patient data is shown, and a number on file gets the same answer, at the
same speed, as one that is not (the confirmation SMS goes after the answer, to both).
Forms carry the session's CSRF token like the staff pages'; each web process lets a
client address send the form `ADDRESS_LIMIT` times an hour; the database caps the
confirmations (one a day per number, `FOLLOWUP_OPTIN_CONFIRMATIONS_PER_HOUR` in all).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from followup.compliance.texts import consent_problems, disclosure
from followup.consent.optin import mobile_number, sign_up
from followup.consent.records import disclosure_version
from followup.consent.unsubscribe import PATH as UNSUBSCRIBE
from followup.consent.unsubscribe import read_token
from followup.core import clock
from followup.core.phones import mask
from followup.messages.context import display_phone
from followup.messages.render import Renderer
from followup.protocol import Protocol
from followup.staff.limits import SlidingWindow
from followup.web.auth import check_csrf, client_address, csrf_token
from followup.web.confirm import patient_language, send_confirmation, unsubscribe_email
from followup.web.forms import FormTooLarge, form_fields
from followup.web.public_words import WORDS, language_of, linked

log = logging.getLogger(__name__)
PAGES = Jinja2Templates(directory=str(Path(__file__).parent / "pages"))
OPTIN = "/optin"
# Sign-up forms a client address may send an hour, per web process: a person needs one
# or two; a script trying numbers is stopped early (the database caps the texts anyway).
ADDRESS_LIMIT = 10
FORM_BYTES = 4096
_LOGGED: set[str] = set()


def public_router() -> APIRouter:
    """GET/POST /optin; GET/POST /unsubscribe/email/{token}."""
    router = APIRouter(include_in_schema=False)
    addresses = SlidingWindow(ADDRESS_LIMIT, timedelta(hours=1))

    @router.get(OPTIN, response_class=HTMLResponse)
    def optin_page(request: Request, lang: str = Query("en", max_length=8)) -> HTMLResponse:
        return _optin(request, language_of(lang))

    @router.post(OPTIN, response_class=HTMLResponse)
    async def optin_submit(request: Request) -> Response:
        try:
            form = await form_fields(request, FORM_BYTES)
        except FormTooLarge:
            return await run_in_threadpool(_optin, request, "en", "too_large", 413)
        check_csrf(request, form)
        language = language_of(form.get("lang", "en"))
        address, now = client_address(request), clock.now()
        wait = addresses.reserve(address, now)
        if wait is not None:
            seconds = max(1, int((wait - now).total_seconds()))
            headers = {"Retry-After": str(seconds)}
            return await run_in_threadpool(_optin, request, language, "too_many", 429, headers)
        addresses.release(address, now, failed=True)  # every sign-up counts, good or not
        return await run_in_threadpool(_submit, request, form, language)

    @router.get(UNSUBSCRIBE + "/{token}", response_class=HTMLResponse)
    def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
        patient = _unsubscriber(request, token)
        if patient is None:
            return _page(
                request, "unsubscribe.html", "en", 404, token=token, known=False, done=False
            )
        language = patient_language(request.app.state.engine, patient)
        return _page(
            request, "unsubscribe.html", language, 200, token=token, known=True, done=False
        )

    @router.post(UNSUBSCRIBE + "/{token}", response_class=HTMLResponse)
    async def unsubscribe(request: Request, token: str) -> HTMLResponse:
        # A mail client's one-click POST (RFC 8058) carries no cookie and no CSRF token:
        # the signed token is what proves the address came from us.
        patient = _unsubscriber(request, token)
        if patient is None:
            return _page(
                request, "unsubscribe.html", "en", 404, token=token, known=False, done=False
            )
        language = await run_in_threadpool(unsubscribe_email, request.app, patient, clock.now())
        return _page(request, "unsubscribe.html", language, 200, token=token, known=True, done=True)

    return router


def _submit(request: Request, form: dict[str, str], language: str) -> Response:
    app = request.app
    protocol: Protocol = app.state.protocol
    shown = _disclosure(request, language)
    if shown is None:
        return _optin(request, language, None, 503)
    if form.get("consent") != "yes":
        return _optin(request, language, "box", 422)
    if form.get("version") != disclosure_version(shown):
        return _optin(request, language, "changed", 422)
    phone = mobile_number(form.get("phone", ""), protocol.clinic.country)
    if phone is None:
        return _optin(request, language, "phone", 422)
    cap = app.state.settings.optin_confirmations_per_hour
    done = sign_up(app.state.engine, phone, shown, language, clock.now(), cap)
    if done == "busy":
        log.warning("web sign-up: the hour's %d confirmations are used up", cap)
        return _optin(request, language, "busy", 429, {"Retry-After": "3600"})
    task = BackgroundTask(send_confirmation, app, phone, language) if done.confirm else None
    if not done.confirm:
        log.info("web sign-up from %s: no confirmation sent (%s)", mask(phone), done.why_not)
    return _page(request, "optin_done.html", language, 200, background=task)


def _disclosure(request: Request, language: str) -> str | None:
    """The disclosure as shown now, or None when the consent texts fail a carrier rule:
    consent collected under wording that would not pass review is not collected."""
    renderer: Renderer = request.app.state.renderer
    protocol: Protocol = request.app.state.protocol
    problems = consent_problems(renderer, protocol, language)
    if problems:
        said = "; ".join(problems)
        if said not in _LOGGED:  # once per process and problem, not once per visitor
            _LOGGED.add(said)
            log.error("the sign-up page is closed: %s", said)
        return None
    return disclosure(renderer, protocol, language).text


def _optin(
    request: Request,
    language: str,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    shown = _disclosure(request, language)
    if shown is None:
        status = 503
    protocol: Protocol = request.app.state.protocol
    urls = [u for u in (protocol.consent.privacy_url, protocol.consent.terms_url) if u]
    return _page(
        request,
        "optin.html",
        language,
        status,
        headers=headers,
        error=error,
        disclosure=linked(shown, urls) if shown else None,
        version=disclosure_version(shown) if shown else "",
    )


def _page(
    request: Request,
    name: str,
    language: str,
    status: int,
    headers: dict[str, str] | None = None,
    background: BackgroundTask | None = None,
    **context: Any,
) -> HTMLResponse:
    protocol: Protocol = request.app.state.protocol
    clinic = protocol.clinic
    words = WORDS[language]
    return PAGES.TemplateResponse(
        request,
        name,
        {
            "lang": language,
            "words": words,
            "clinic_name": clinic.name,
            "clinic_phone": display_phone(clinic.phone, clinic.country),
            "texting_number": _texting_number(request),
            "csrf_token": csrf_token(request),
            "optin": OPTIN,
            **context,
        },
        status_code=status,
        headers=headers,
        background=background,
    )


def _texting_number(request: Request) -> str | None:
    protocol: Protocol = request.app.state.protocol
    number = request.app.state.settings.twilio_from_number
    return display_phone(number, protocol.clinic.country) if number else None


def _unsubscriber(request: Request, token: str) -> int | None:
    settings = request.app.state.settings
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return read_token(secret, token) if secret and len(token) < 200 else None
