"""The audit log: who changed what, before and after."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from followup.db.models import AuditEvent


def audit(
    session: Session,
    actor: str,
    action: str,
    record_type: str,
    record_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> None:
    """Add an audit row in the caller's transaction, so the change and its record commit together."""
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            before=json.dumps(before, default=str, sort_keys=True) if before is not None else None,
            after=json.dumps(after, default=str, sort_keys=True) if after is not None else None,
        )
    )
