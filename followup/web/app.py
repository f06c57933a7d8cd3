"""The FastAPI application, built by a factory from Settings (nothing at import time)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from followup.channels.registry import build_channels
from followup.db.migrate import pending_revisions
from followup.messages.render import Renderer
from followup.protocol import Protocol, load_protocol
from followup.settings import Settings
from followup.web.twilio import twilio_router


def create_app(settings: Settings, engine: Engine, protocol: Protocol | None = None) -> FastAPI:
    """The web application for one database."""
    app = FastAPI(title="followup", version="0.1.0", docs_url=None, redoc_url=None)
    protocol = protocol or load_protocol(settings.protocol_file)
    app.state.settings = settings
    app.state.engine = engine
    app.include_router(
        twilio_router(
            settings, engine, protocol, Renderer(settings.templates_dir), build_channels(settings)
        )
    )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up and answering."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=None)
    def readyz() -> JSONResponse | dict[str, Any]:
        """Ready for traffic: the database answers and its schema is current."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            behind = pending_revisions(engine)
        except SQLAlchemyError as exc:
            problem = f"database unreachable: {type(exc).__name__}"
            return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503)
        if behind:
            reason = "database schema is behind: run `followup db upgrade`"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return {"status": "ready", "database": "ok", "migrations": "current"}

    return app
