"""The JSON API for clinic tools (`/api/...`), and the admin page that issues its tokens.

Callers authenticate in one of two ways, both through `require_staff`:

* a bearer token (`Authorization: Bearer fu_...`), made on /staff/tokens by an admin. Tokens
  read everything here and acknowledge alerts; they never administer.
* a signed-in staff session (the cookie), so the staff pages' own scripts or a person
  exploring the API in the browser can use it too.

CSRF: a cookie is attached by the browser on its own, even to a request another site's page
makes, so the one state-changing call (acknowledging an alert) made with a *session* must
carry the session's CSRF token in the `X-CSRF-Token` header. A bearer token is never sent
by the browser on its own (no cookie is involved and another site cannot know it), so
requests authenticated by a token need no CSRF token.

Lists are pages: `{"items": [...], "total": n, "limit": l, "offset": o}`, `limit` at most
500. Patients come by external id, alerts open and critical first, everything else oldest
first, so rows added meanwhile land at the end and do not shift pages already read.
Datetimes are ISO 8601 in UTC (`...Z`); unknown ids are a 404 whose detail names them.
`/api/fhir/...` answers in FHIR R4 instead (`fhir.py`): Bundles and OperationOutcomes.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from followup.web.api import alerts, fhir, patients, replies, schedule, syncs
from followup.web.api.common import MAX_LIMIT, via_bearer_token
from followup.web.api.models import Problem
from followup.web.api.tokens import token_pages_router
from followup.web.auth import require_staff

__all__ = ["MAX_LIMIT", "api_router", "token_pages_router", "via_bearer_token"]


def api_router() -> APIRouter:
    """Read-only views of patients, appointments, messages, replies, reports and alerts,
    and acknowledging an alert."""
    router = APIRouter(
        prefix="/api",
        tags=["api"],
        # On the router, so every route included below, and any added later, requires it.
        dependencies=[Depends(require_staff)],
        responses={
            400: {"model": Problem, "description": "A body that is not JSON."},
            401: {"model": Problem, "description": "No valid session or bearer token."},
        },
    )
    for resource in (patients, schedule, replies, syncs, alerts, fhir):
        router.include_router(resource.routes())
    return router
