"""What a roster says about consent, as records with source "roster" and the file's name.

The worker re-reads the roster every few minutes, so a record is written only when the
roster says something new: the first time it speaks of a patient, or when its yes/no
differs from what is in force and from what it said last. It never overrides the
patient's own word: a revocation by text, email or carrier stays until the patient (or
staff, with their name) says otherwise, and a web sign-up is not undone by a roster that
merely still says no. A patient the roster brings in on a number that had signed up on
the web, or texted STOP, before anyone had it, takes that number's consent (a
sign-up only when it is recent: numbers are reassigned).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from followup.consent.records import CHANNELS, OWN_WORD, R, Source, newest, record
from followup.db.models import ConsentRecord, Patient

P = Patient.__table__  # type: ignore[attr-defined]
CHUNK = 500
ADOPT_SIGN_UPS = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class RosterConsent:
    """One roster row's consent, for a patient just created or updated."""

    patient_id: int
    phone: str | None
    sms: bool
    email: bool
    new_number: bool  # created, or the roster changed their phone


def apply_roster(
    session: Session, rows: Sequence[RosterConsent], source: str, now: datetime
) -> set[int]:
    """Write the records the roster's consent columns call for; return the patients whose
    consent changed (to be re-planned)."""
    changed: set[int] = set()
    for at in range(0, len(rows), CHUNK):
        changed |= _apply(session, rows[at : at + CHUNK], source, now)
    return changed


def _apply(session: Session, rows: Sequence[RosterConsent], source: str, now: datetime) -> set[int]:
    ids = [row.patient_id for row in rows]
    latest = newest(session, ids)
    said = _last_roster(session, ids)
    writes: dict[tuple[str, bool], list[int]] = {}
    for row in rows:
        for channel, value in (("sms", row.sms), ("email", row.email)):
            key = (row.patient_id, channel)
            if _writes(latest.get(key), said.get(key), value):
                writes.setdefault((channel, value), []).append(row.patient_id)
    detail = f"{source}: {{}} column said {{}}"
    # SMS first, then email, as a person reads a roster row.
    for (channel, value), pids in sorted(
        writes.items(), key=lambda w: (CHANNELS.index(w[0][0]), w[0][1])
    ):
        record(
            session, pids, (channel,), given=value, source=Source.ROSTER, at=now,
            detail=detail.format(f"{channel}_consent", "yes" if value else "no"),
        )  # fmt: skip
    changed = {pid for pids in writes.values() for pid in pids}
    return changed | _adopt(session, [row for row in rows if row.new_number and row.phone], now)


def _writes(latest: ConsentRecord | None, said: bool | None, value: bool) -> bool:
    """Whether the roster's `value` is news, against the newest record and what the
    roster said last (`said`, None if it never spoke of this patient and channel)."""
    if latest is None:
        return True  # the first word about this patient: kept, yes or no
    if value == latest.given:
        return False
    if latest.source in OWN_WORD:
        # The patient's own word stands; a clinic changing its file may still revoke.
        return not value and said is not None and said != value
    return said is None or said != value


def _last_roster(session: Session, ids: Sequence[int]) -> dict[tuple[int, str], bool]:
    last = (
        select(func.max(R.c.id))
        .where(R.c.patient_id.in_(list(ids)), R.c.source == str(Source.ROSTER))
        .group_by(R.c.patient_id, R.c.channel)
    )
    return {
        (pid, channel): bool(given)
        for pid, channel, given in session.execute(
            select(R.c.patient_id, R.c.channel, R.c.given).where(R.c.id.in_(last))
        )
    }


def _adopt(session: Session, rows: Sequence[RosterConsent], now: datetime) -> set[int]:
    """Give patients new on a number what that number said before anyone had it."""
    if not rows:
        return set()
    phones = sorted({row.phone for row in rows if row.phone})
    newest_id = (
        select(func.max(R.c.id))
        .where(R.c.patient_id.is_(None), R.c.phone.in_(phones), R.c.channel == "sms")
        .group_by(R.c.phone)
    )
    found = {
        rec.phone: rec
        for rec in session.execute(
            select(ConsentRecord).where(col(ConsentRecord.id).in_(newest_id))
        ).scalars()
    }
    adopted: set[int] = set()
    for row in rows:
        rec = found.get(row.phone)
        # A revocation always holds; a sign-up only if recent: numbers are reassigned,
        # and the next owner of a number did not agree to anything.
        if rec is None or (rec.given and rec.at < now - ADOPT_SIGN_UPS):
            continue
        record(
            session, [row.patient_id], ("sms",), given=rec.given, source=Source(rec.source),
            at=rec.at, written=now, disclosure=rec.disclosure_version, inbound_message_id=rec.inbound_message_id,
            detail=f"{rec.detail or rec.source}; said by this number before the roster listed the patient",
        )  # fmt: skip
        if not rec.given:
            session.execute(
                update(P)
                .where(P.c.id == row.patient_id, P.c.opted_out_at.is_(None))
                .values(opted_out_at=rec.at)
            )
        adopted.add(row.patient_id)
    return adopted
