"""Log lines: text or JSON, and never a phone number or an email address, whoever wrote them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from followup.ops.logs import JsonFormatter, RedactingFilter, make_handler, redact


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    stream = io.StringIO()
    handler = make_handler("json")
    handler.setStream(stream)  # type: ignore[attr-defined]
    logger = logging.getLogger("followup.test_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream, handler
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("sms to +14025550134 failed", "sms to **********34 failed"),
        (
            "GET /Messages.json?To=%2B14025550134&PageSize=50",
            "GET /Messages.json?To=**********34&PageSize=50",
        ),
        ("national 4025550134 and 00442079460123", "national ********34 and ************23"),
        ("Ana <ana.rivera+infusion@example.org> replied", "Ana <[email]> replied"),
        ("to ana%40example.org in a URL", "to [email] in a URL"),
    ],
)
def test_phone_numbers_and_addresses_are_masked(text: str, shown: str) -> None:
    assert redact(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "message 1234 sent as SM0123456789abcdef0123456789abcdef",  # a Twilio SID's digits
        "due 2026-03-08T02:30:00+00:00 (America/Chicago)",
        "dispatch: 50 claimed, {'sent': 48, 'retry': 2}, 0 given back",
        "staff pages: http://127.0.0.1:8000/staff/ (health: /healthz, /readyz)",
        "no admin account yet: create the first one with `followup staff add EMAIL --role admin`",
    ],
)
def test_ids_times_and_counts_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_json_lines_carry_time_level_logger_and_message(
    captured: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    logger, stream, _ = captured
    logger.warning("sms message %d to %s: %s", 42, "+14025550134", "retry")
    [entry] = lines(stream)
    assert entry["level"] == "WARNING" and entry["logger"] == "followup.test_logs"
    assert entry["message"] == "sms message 42 to **********34: retry"
    assert entry["time"].endswith("Z") and entry["time"][10] == "T"
    assert set(entry) == {"time", "level", "logger", "message"}


def test_an_exception_is_one_json_line_with_its_text_redacted(
    captured: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    logger, stream, _ = captured
    try:
        raise ValueError("'+14025550134' is not reachable; ask ana@example.org")
    except ValueError:
        logger.exception("message 7: dispatch error")
    [entry] = lines(stream)
    assert entry["message"] == "message 7: dispatch error"
    assert "ValueError" in entry["exception"] and "Traceback" in entry["exception"]
    assert "+14025550134" not in entry["exception"] and "ana@example.org" not in entry["exception"]
    assert "**********34" in entry["exception"]


def test_text_format_is_redacted_too() -> None:
    stream = io.StringIO()
    handler = make_handler("text")
    handler.setStream(stream)  # type: ignore[attr-defined]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s", ("+14025550134",), None)
    handler.handle(record)
    assert stream.getvalue().rstrip().endswith("INFO x to **********34")


def test_the_filter_never_drops_a_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", ("ana@example.org",), None)
    assert RedactingFilter().filter(record) is True
    assert JsonFormatter().format(record).endswith('"message": "[email]"}')
