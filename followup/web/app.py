"""The FastAPI application, built by a factory from Settings (nothing at import time)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from followup.channels.registry import build_channels
from followup.core.spool import database_identity
from followup.dispatch.calls import build_dialer
from followup.messages.revisions import service_renderer
from followup.ops.metrics import CONTENT_TYPE, build_registry, exposition, metrics_allowed
from followup.ops.readiness import Readiness
from followup.protocol import Protocol, load_protocol
from followup.replies.inbox import Inbox
from followup.replies.journal import InboundJournal
from followup.replies.replay import Replayer
from followup.settings import Settings
from followup.web.api import api_router, token_pages_router
from followup.web.auth import SignInRequired, install, signed_in
from followup.web.consent_pages import consent_router
from followup.web.errors import install_error_pages
from followup.web.headers import SecurityHeaders
from followup.web.on_call import on_call_router
from followup.web.patients import patients_router
from followup.web.public import public_router
from followup.web.sections import sections_router
from followup.web.staff_admin import staff_admin_router
from followup.web.staff_pages import staff_router
from followup.web.template_editor import templates_router
from followup.web.twilio import TwilioWebhooks, webhook_threads

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    engine: Engine,
    protocol: Protocol | None = None,
    webhooks_only: bool = False,
) -> FastAPI:
    """The web application for one database; `webhooks_only` for the fallback instance
    (Twilio's webhooks and the health checks, no staff pages)."""
    protocol = protocol or load_protocol(settings.protocol_file)
    channels = build_channels(settings)
    # Staff edits made in the template editor apply to replies as to everything else.
    renderer = service_renderer(settings.templates_dir, engine)
    journal = InboundJournal(settings.spool_directory(), database_identity(settings.database_url))
    # Calls to on-call: the first one the moment an alert is raised, from this process.
    dialer = build_dialer(settings, protocol, engine)
    inbox = Inbox(
        engine,
        protocol,
        renderer,
        webhook_threads(engine),
        journal,
        channels,
        public_url=settings.public_url,
        calls=dialer,
    )
    replayer = Replayer(inbox)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        replayer.start()  # at once: what a process that died left in its journal
        try:
            yield
        finally:
            replayer.stop()
            journal.close()

    app = FastAPI(
        title="followup",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below, not to everyone
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.protocol = protocol
    app.add_middleware(
        SessionMiddleware,
        secret_key=_session_key(settings),
        session_cookie="followup_session",
        max_age=12 * 3600,
        same_site="lax",
        https_only=bool(settings.public_url and settings.public_url.startswith("https://")),
    )
    app.state.channels = channels
    app.state.renderer = renderer
    app.state.dialer = dialer
    # Added last, so it runs first: Twilio's webhooks are answered before sessions and routing.
    app.add_middleware(TwilioWebhooks, settings=settings, inbox=inbox, dialer=dialer)
    # Outermost: every answer, the webhooks' and the errors' too, carries the headers.
    app.add_middleware(
        SecurityHeaders,
        https=bool(settings.public_url and settings.public_url.startswith("https://")),
    )
    # A person's browser gets a readable page for an error; the API and Twilio, JSON as ever.
    install_error_pages(app)
    if not webhooks_only:
        _staff_pages(app, settings, engine)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up and answering."""
        return {"status": "ok"}

    readiness = Readiness(engine, app.state.channels, settings.readiness_cache_seconds)

    @app.get("/readyz", response_model=None)
    def readyz() -> JSONResponse:
        """Ready for traffic: the database answers with a current schema, providers answer."""
        report = readiness.report()
        return JSONResponse(report.as_json(), status_code=200 if report.ready else 503)

    registry = build_registry(engine, protocol)

    # Not in the OpenAPI schema: it is for Prometheus, neither a staff page nor the API.
    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus text format: counts from the database and this process's histograms."""
        if not _private_allowed(settings, request):
            return Response(
                "a valid bearer token is required\n",
                status_code=401,
                media_type="text/plain",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(exposition(registry), media_type=CONTENT_TYPE)

    def api_description() -> dict[str, Any]:
        # The API only: the staff pages are HTML for people, and would describe themselves
        # wrongly as JSON.
        if app.openapi_schema is None:
            whole = get_openapi(title=app.title, version=app.version, routes=app.routes)
            paths = {p: ops for p, ops in whole["paths"].items() if p.startswith("/api/")}
            app.openapi_schema = {**whole, "paths": paths}
        return app.openapi_schema

    app.openapi = api_description  # type: ignore[method-assign]

    # The API's description: for this machine, a token holder, or signed-in staff.
    @app.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> Response:
        if not (_private_allowed(settings, request) or signed_in(request)):
            return JSONResponse({"detail": "sign in, or ask from this machine"}, status_code=401)
        return JSONResponse(app.openapi())

    return app


def _private_allowed(settings: Settings, request: Request) -> bool:
    client = request.client.host if request.client else None
    return metrics_allowed(settings, request.headers.get("authorization"), client)


def _staff_pages(app: FastAPI, settings: Settings, engine: Engine) -> None:
    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"
    )
    install(app, settings)  # the key, the hashing pool and the sign-in limits, per app
    app.include_router(staff_router())
    # Section routers are added here, one line each.
    app.include_router(staff_admin_router())
    app.include_router(on_call_router())
    app.include_router(templates_router(settings, engine))
    app.include_router(sections_router())
    app.include_router(patients_router())
    app.include_router(consent_router())
    # The public sign-up and unsubscribe pages: no sign-in (web/public.py says how they
    # are protected).
    app.include_router(public_router())
    app.include_router(token_pages_router())
    app.include_router(api_router())

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, _exc: SignInRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "sign in or send a valid bearer token"}, status_code=401)
        return RedirectResponse(f"/staff/sign-in?next={quote(request.url.path)}", status_code=303)

    # Not in the OpenAPI schema: the address `followup run` prints leads a person to the
    # staff pages, which send them on to sign in when they are signed out.
    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/staff/", status_code=303)


def _session_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    # Without a configured key, sessions last as long as this process: fine for a try-out,
    # and nothing is signed with a key anyone could know.
    log.warning(
        "FOLLOWUP_SECRET_KEY is not set (nor FOLLOWUP_SECRET_KEY_FILE): "
        "staff sessions end when this process stops"
    )
    return secrets.token_urlsafe(32)
