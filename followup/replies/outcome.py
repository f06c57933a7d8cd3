"""What processing makes of one message (`Result`), and the answers it renders (`Replies`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from followup.core.errors import RenderError
from followup.db.models import Patient
from followup.messages.context import reply_context
from followup.messages.render import Renderer
from followup.protocol import Protocol
from followup.replies.alarms import FALLBACKS, alarm_fallback
from followup.replies.triage import Level

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Handled:
    """What to answer the patient, and the alerts whose staff must hear at once."""

    reply: str | None = None
    reply_id: int | None = None
    alert_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Inbound:
    """An SMS as Twilio's webhook describes it."""

    sid: str
    from_number: str
    to_number: str
    body: str
    # When it reached us (the journal's time, for one stored late); None: now.
    received_at: datetime | None = None
    # The channels on-call was already paged by about it while the database was down.
    paged: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Unrecorded:
    """The database could not take a message's processing: it stays `received`."""

    error: Exception


# What `process` makes of each message: its answer, None when it was taken before (by a
# retry's first copy, or the sweeper), or Unrecorded.
Processed = Handled | None | Unrecorded


@dataclass(slots=True)
class Result:
    kind: str
    summary: str
    reply_kind: str | None = None
    reply: str | None = None
    needs_attention: bool = False
    alert_ids: list[int] = field(default_factory=list)
    urgency: Level = Level.ORDINARY
    triage: str | None = None

    def at_least(self, level: Level) -> None:
        """Raise the message's urgency to `level` if it is lower."""
        if level.rank < self.urgency.rank:
            self.urgency = level

    @property
    def answered(self) -> bool:
        """Whether the patient gets an answer (stored, and sent back in the TwiML)."""
        return self.reply is not None and self.reply_kind is not None


class Replies:
    """Renders the reply templates (`templates/<lang>/reply_*/sms.txt.j2`) for one sender."""

    def __init__(self, renderer: Renderer, protocol: Protocol, patient: Patient | None) -> None:
        self.renderer, self.protocol = renderer, protocol
        self.language = patient.language if patient else "en"
        self.first_name = patient.first_name if patient else ""
        self.location = patient.location if patient else None

    def result(self, kind: str, summary: str, template: str, attention: bool = False) -> Result:
        context = reply_context(self.protocol, self.language, self.first_name, self.location)
        try:
            text = self.renderer.render(template, self.language, "sms", context).text
        except RenderError:
            if template not in FALLBACKS:
                raise
            log.exception("the %s template failed; sending the built-in text", template)
            text = alarm_fallback(self.protocol, template, self.location)
        return Result(kind, summary, template, text, attention)
