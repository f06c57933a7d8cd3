"""What every resource of the API shares: paging, the 404 naming the id, the engine."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import HTTPException, Query, Request
from pydantic import AwareDatetime, BeforeValidator
from sqlalchemy import ColumnElement, Engine, SelectBase, func
from sqlmodel import Session, select

from followup.db.models import Patient
from followup.web.api.models import Problem
from followup.web.auth import Staff
from followup.web.params import MAX_ROW_ID

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def via_bearer_token(staff: Staff) -> bool:
    """True when `require_staff` accepted a bearer token rather than a session.

    Only tokens act without an account: `require_staff` returns id None and the owner
    "token:<name>" for them, and a request with a bad token is refused, never sent on to
    the session.
    """
    return staff.id is None and staff.email.startswith("token:")


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}.")]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]
PatientFilter = Annotated[str | None, Query(description="Only this patient (external id).")]


def _iso_only(value: Any) -> Any:
    # Pydantic would read "0.5" as seconds since 1970: an instant here is written out.
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        raise ValueError("an ISO 8601 date and time with a zone, e.g. 2026-12-07T09:00:00-06:00")
    return value


_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")
# A query parameter naming an instant: ISO 8601 with a zone, never a bare number.
Instant = Annotated[AwareDatetime, BeforeValidator(_iso_only)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}


def engine_of(request: Request) -> Engine:
    """The app's engine."""
    engine: Engine = request.app.state.engine
    return engine


def patient_pk(session: Session, external_id: str, seen: ColumnElement[bool]) -> int:
    """The database id of a patient the caller sees, or a 404 naming the id asked for
    (another location's patient reads as none)."""
    pk = session.exec(select(Patient.id).where(Patient.external_id == external_id, seen)).first()
    if pk is None:
        raise HTTPException(status_code=404, detail=f"no patient has id {external_id!r}")
    return pk


def count(session: Session, query: SelectBase) -> int:
    """How many rows a query matches, before paging."""
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    return int(total)
