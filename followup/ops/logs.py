"""Logging set-up. Log lines carry ids and masked numbers, never message bodies.

Code masks phone numbers itself (`followup.core.phones.mask`); `RedactingFilter` is the second
line of defence: whatever a line ends up saying, including a library's exception text, a
phone number or an email address in it is masked before it is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from typing import Literal

from followup.core.phones import mask

LogFormat = Literal["text", "json"]

# E.164 (also percent-encoded, as in a URL's query), and runs of 10 or more digits that
# are not part of a longer token (a Twilio SID's hex digits are left alone).
_PHONE = re.compile(r"(?:\+|%2[Bb])\d{7,}|(?<![0-9A-Za-z])\d{10,}(?![0-9A-Za-z])")
# Addresses, with @ or its percent-encoding; the domain goes too (a family's own domain
# names them as well as the address does).
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+'-]*[A-Za-z0-9_'-](?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
EMAIL_MASK = "[email]"


def redact(text: str) -> str:
    """`text` with phone numbers masked to their last two digits and addresses removed."""
    text = _EMAIL.sub(EMAIL_MASK, text)
    return _PHONE.sub(lambda found: mask(found.group(0).replace("%2B", "+")), text)


class RedactingFilter(logging.Filter):
    """Masks phone numbers and email addresses in a record's message, exception and stack."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC ISO 8601), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def make_handler(log_format: LogFormat = "text") -> logging.Handler:
    """A stderr handler in `log_format`, with redaction."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    return handler


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    """Lines on stderr, plain text or JSON, redacted; called once by each command."""
    logging.basicConfig(level=level, handlers=[make_handler(log_format)], force=True)
    # APScheduler logs every job run at INFO and every skipped overlapping run at WARNING;
    # skipping is what max_instances=1 is for, so only its errors matter here.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # urllib3 logs request URLs at DEBUG, and a Twilio lookup URL carries the phone number.
    logging.getLogger("urllib3").setLevel(logging.INFO)
    # An exception nobody caught in a thread would otherwise be printed raw, past the
    # redaction and outside the JSON lines.
    threading.excepthook = _log_thread_exception


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("followup").critical(
        "unhandled exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
