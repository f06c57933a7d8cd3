"""Registration and filtering errors from Twilio, counted per sender, with what to do.

A US clinic's texts stop at the carriers, not at followup, when its number is not
registered (30034 for a long code, 30032 for a toll-free number) or a message is filtered
(30007); 21610 is a patient who texted STOP. Each report is one `carrier_error` row keyed
by Twilio's message SID, so a callback Twilio repeats (or two web processes receive) is
counted once; the metrics page and the staff sync page read the counts from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from followup.db.models import CarrierError

E = CarrierError.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a Twilio error code means, and what the clinic does about it."""

    what: str
    todo: str


CODES: dict[str, Meaning] = {
    "30007": Meaning(
        "filtered by the carrier as spam or for its content",
        "Run `followup compliance check` (no drug names, no link shorteners, STOP in the "
        "first message) and make sure what you send matches the registered campaign's "
        "samples. Many in a row can get the number blocked: ask Twilio support.",
    ),
    "30034": Meaning(
        "sent from a long code (10DLC) number that is in no approved A2P 10DLC campaign",
        "Register the brand and a campaign in Twilio (`followup compliance kit` writes "
        "every field), then add this number to the campaign's Messaging Service. Nothing "
        "from this number reaches US phones until then.",
    ),
    "30032": Meaning(
        "sent from a toll-free number that is not verified",
        "Submit the toll-free verification in Twilio (`followup compliance kit` writes "
        "every field). Nothing from this number reaches US phones until it is approved.",
    ),
    "21610": Meaning(
        "the patient texted STOP to this number, so Twilio refuses to text them",
        "Nothing to do: followup recorded the revocation and sends them nothing more. If "
        "they want texts again, they text START to this number.",
    ),
}


def record_carrier_error(
    connection: Connection, sender: str, code: str | None, ref: str, at: datetime
) -> bool:
    """Count one report of a code in CODES (others are not counted); False when this
    message's report was counted already or the code is not one of them."""
    if code not in CODES:
        return False
    dialect = connection.dialect.name
    insert = postgresql.insert(E) if dialect == "postgresql" else sqlite.insert(E)
    inserted = connection.execute(
        insert.values(sender=sender[:64], code=code, ref=ref[:100], at=at)
        .on_conflict_do_nothing(index_elements=[E.c.ref])
        .returning(E.c.id)
    ).first()
    return inserted is not None


@dataclass(frozen=True, slots=True)
class SenderErrors:
    """One sender's reports of one code: in all, lately, and the last one."""

    sender: str
    code: str
    total: int
    recent: int
    last_at: datetime

    @property
    def meaning(self) -> Meaning:
        return CODES.get(self.code, Meaning("a Twilio error", "See Twilio's error page."))


def sender_errors(connection: Connection, since: datetime) -> list[SenderErrors]:
    """Every sender's counts per code, the most recent problem first."""
    recent = func.sum(case((E.c.at >= since, 1), else_=0))
    rows = connection.execute(
        select(E.c.sender, E.c.code, func.count(), recent, func.max(E.c.at)).group_by(
            E.c.sender, E.c.code
        )
    ).all()
    found = [
        SenderErrors(str(sender), str(code), int(total), int(lately or 0), last)
        for sender, code, total, lately, last in rows
    ]
    return sorted(found, key=lambda e: (-e.recent, -e.last_at.timestamp(), e.sender, e.code))


def counts(connection: Connection) -> list[tuple[str, str, int]]:
    """(sender, code, count) for the metrics page."""
    return [
        (str(sender), str(code), int(count))
        for sender, code, count in connection.execute(
            select(E.c.sender, E.c.code, func.count()).group_by(E.c.sender, E.c.code)
        )
    ]
