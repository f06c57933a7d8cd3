"""Consent records as CSV, for an audit or a carrier's request for proof of opt-in."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from followup.consent.records import LABELS, Source
from followup.db.models import ConsentDisclosure, ConsentRecord, Patient

COLUMNS = (
    "record",
    "patient_id",
    "phone",
    "channel",
    "consent",
    "at",
    "how",
    "detail",
    "disclosure_version",
    "disclosure_text",
)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def consent_csv(
    records: Iterable[tuple[ConsentRecord, str | None, str | None]],
) -> str:
    """(record, patient's external id, disclosure text) rows as CSV text, header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record, external_id, text in records:
        writer.writerow(
            (
                record.id,
                external_id or "",
                record.phone or "",
                record.channel,
                "given" if record.given else "revoked",
                iso(record.at),
                LABELS.get(Source(record.source), record.source)
                if record.source in Source.__members__.values()
                else record.source,
                record.detail or "",
                record.disclosure_version or "",
                text or "",
            )
        )
    return out.getvalue()


def consent_rows(
    engine: Engine, external_ids: Sequence[str] | None = None
) -> list[tuple[ConsentRecord, str | None, str | None]]:
    """Every record (or one patient's), oldest first, with what `consent_csv` needs."""
    statement = (
        select(ConsentRecord, col(Patient.external_id), col(ConsentDisclosure.text))
        .outerjoin(Patient, col(Patient.id) == col(ConsentRecord.patient_id))
        .outerjoin(
            ConsentDisclosure,
            col(ConsentDisclosure.version) == col(ConsentRecord.disclosure_version),
        )
        .order_by(col(ConsentRecord.id))
    )
    if external_ids is not None:
        statement = statement.where(col(Patient.external_id).in_(list(external_ids)))
    with Session(engine) as session:
        return [(r, e, t) for r, e, t in session.execute(statement).all()]
