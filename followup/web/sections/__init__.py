"""The staff sections behind the nav: inbox, alerts, today, upcoming.

Each section lives in its own module (`inbox`, `alerts`,
`today`, `upcoming`, `sync`); this one router is what the app includes. Every
route depends on `require_staff`, and every form post checks the CSRF token.
"""

from __future__ import annotations

from fastapi import APIRouter

from followup.web.sections.alerts import alerts_router
from followup.web.sections.inbox import inbox_router
from followup.web.sections.sync import sync_router
from followup.web.sections.today import today_router
from followup.web.sections.upcoming import upcoming_router


def sections_router() -> APIRouter:
    """Inbox, alerts, today (with the discharge API) and upcoming, as one router."""
    router = APIRouter()
    sections = (inbox_router(), alerts_router(), today_router(), upcoming_router(), sync_router())
    for section in sections:
        router.include_router(section)
    return router
