"""Serve the web app: bind the port first, then say where the staff pages are."""

from __future__ import annotations

import errno
import logging
import os
import socket

import uvicorn
from sqlalchemy import Engine

from followup.core.errors import ConfigError
from followup.settings import Settings
from followup.staff import FIRST_ADMIN, has_admin
from followup.web.app import create_app

log = logging.getLogger(__name__)
# Addresses that mean "every interface": a browser on this machine reaches them on loopback.
_ANY = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}


def listen(host: str, port: int) -> socket.socket:
    """Bind now, so a port in use stops start-up in one line before anything else starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {_why(exc)}") from None


def _why(exc: OSError) -> str:
    # create_server re-raises every failure as a plain OSError with its own wording added,
    # so the errno decides: negative ones are the resolver's (EAI_*), not the kernel's.
    if exc.errno is not None and exc.errno < 0:
        return "no such host name or address (--host)"
    if exc.errno == errno.EADDRINUSE:
        return "the port is in use; is followup already running? choose another with --port"
    return os.strerror(exc.errno) if exc.errno else str(exc)


def staff_url(host: str, port: int) -> str:
    """The staff pages' address as a person on this machine opens it."""
    shown = _ANY.get(host, f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/staff/"


def serve(
    settings: Settings, engine: Engine, listener: socket.socket, host: str, fallback: bool = False
) -> None:
    """Run the app on the bound socket until SIGINT or SIGTERM; `fallback`: Twilio's
    webhooks only, started without asking the database anything."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, engine, webhooks_only=fallback),
            log_level="warning",
            log_config=None,  # its loggers go through ours: JSON lines, redaction
        )
    )
    port = listener.getsockname()[1]
    if fallback:
        log.info(
            "fallback for Twilio's webhooks: %s/twilio/sms (the number's fallback URL; "
            "set FOLLOWUP_FALLBACK_URL to the address Twilio calls)",
            staff_url(host, port).removesuffix("/staff/"),
        )
    else:
        log.info("staff pages: %s (health: /healthz, /readyz)", staff_url(host, port))
        if not has_admin(engine):
            log.info("no admin account yet: create the first one with `%s`", FIRST_ADMIN)
    # uvicorn handles SIGINT/SIGTERM itself, then re-raises them to any handlers set before.
    server.run(sockets=[listener])
