"""Read the patient roster CSV: one row per patient, bad rows named by line."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from followup.calendar.events import Rejected
from followup.core.errors import SourceError
from followup.core.phones import InvalidPhone, to_e164
from followup.protocol import check_timezone

COLUMNS = (
    "patient_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "language",
    "timezone",
    "sms_consent",
    "email_consent",
)
_TRUE = {"1", "true", "yes", "y", "t", "x"}
_FALSE = {"", "0", "false", "no", "n", "f"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One patient as the clinic's roster states it."""

    patient_id: str
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    language: str
    timezone: str | None
    sms_consent: bool
    email_consent: bool
    # Fields the source does not state (a FHIR Patient has no time zone): an existing
    # patient keeps what is stored, a new one gets the value given here.
    unstated: frozenset[str] = frozenset()


def read_roster(text: str, region: str) -> tuple[list[RosterRow], list[Rejected]]:
    """Parse roster CSV text; phones without a country code are read in `region`."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in COLUMNS if column not in header]
    if not header or missing == list(COLUMNS):
        raise SourceError(
            "not a roster CSV: the first line must name the columns " + ",".join(COLUMNS)
        )
    if "patient_id" in missing:
        raise SourceError(f"missing columns: {', '.join(missing)}")
    reader.fieldnames = header
    rows: list[RosterRow] = []
    rejected: list[Rejected] = []
    first_line: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        cells = {key: (value or "").strip() for key, value in raw.items() if key is not None}
        patient_id = cells.get("patient_id", "")
        ref = f"line {line}" + (f" ({patient_id})" if patient_id else "")
        if not any(cells.values()):
            continue
        if patient_id in first_line:
            rejected.append(
                Rejected(ref, f"duplicate patient_id, first on line {first_line[patient_id]}")
            )
            continue
        try:
            row = _row(cells, region)
        except ValueError as exc:
            rejected.append(Rejected(ref, str(exc)))
            continue
        first_line[patient_id] = line
        rows.append(row)
    return rows, rejected


def _row(cells: dict[str, str], region: str) -> RosterRow:
    patient_id = cells.get("patient_id", "")
    if not patient_id:
        raise ValueError("missing patient_id")
    phone = cells.get("phone") or None
    if phone:
        try:
            phone = to_e164(phone, region)
        except InvalidPhone as exc:
            raise ValueError(f"phone {exc}") from None
    email = (cells.get("email") or "").lower() or None
    if email and not _EMAIL.match(email):
        raise ValueError(f"email {email!r} is not an email address")
    language = (cells.get("language") or "en").lower().replace("_", "-").split("-")[0]
    if not _LANGUAGE.match(language):
        raise ValueError(
            f"language {cells.get('language')!r} is not a language code such as 'en' or 'es'"
        )
    timezone = cells.get("timezone") or None
    if timezone:
        check_timezone(timezone)
    return RosterRow(
        patient_id=patient_id,
        first_name=cells.get("first_name", ""),
        last_name=cells.get("last_name", ""),
        phone=phone,
        email=email,
        language=language,
        timezone=timezone,
        sms_consent=_flag(cells.get("sms_consent", ""), "sms_consent"),
        email_consent=_flag(cells.get("email_consent", ""), "email_consent"),
    )


def _flag(value: str, column: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{column} {value!r} is not yes/no")
