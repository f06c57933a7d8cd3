"""What api.twilio.com's Messages and Calls resources look like on the wire: paths, error
bodies, billing segments, list filters; the fake Twilio answers with these."""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

API_VERSION = "2010-04-01"


# An optional first segment is a client tag (base URL http://host:port/<tag>): several
# worker processes share one fake, and a test can aim a fault at one of them.
PATH = re.compile(
    rf"^(?:/(?P<tag>[\w-]+))?/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages(?:/(?P<sid>[^/]+))?\.json$"
)


CALLS_PATH = re.compile(
    rf"^(?:/[\w-]+)?/{API_VERSION}/Accounts/(?P<account>[^/]+)/Calls(?:/(?P<sid>[^/]+))?\.json$"
)


ACCOUNT_PATH = re.compile(rf"^(?:/[\w-]+)?/{API_VERSION}/Accounts/(?P<account>[^/]+)\.json$")


DATE_FILTERS = {"DateSent": "=", "DateSent<": "<", "DateSent>": ">"}


LIST_FILTERS = ("To", "From", *DATE_FILTERS)


ERROR_MESSAGES = {
    20001: "Invalid parameter",
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    13224: "Dial: Twilio does not support calling this number or the number is invalid",
    21201: "No 'To' number is specified",
    21205: "Url parameter is required.",
    21211: "The 'To' number {to} is not a valid phone number.",
    21213: "No 'From' number is specified",
    21602: "Message body is required.",
    21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21612: "The 'To' phone number: {to}, is not currently reachable using the 'From' phone number",
    21614: "'To' number {to} is not a valid mobile number",
}


DEFAULT_CODES = {401: 20003, 404: 20404, 405: 20004, 429: 20429, 500: 20500, 503: 20503}


# GSM 03.38: an SMS of these characters is 7-bit (160 per part); anything else is UCS-2 (70).
GSM_BASIC = frozenset(
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9"
    " !\"#\u00a4%&'()*+,-./0123456789:;<=>?\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "\u00c4\u00d6\u00d1\u00dc\u00a7\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"
)


GSM_EXTENDED = frozenset("^{}\\[~]|\u20ac\f")


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # seconds to wait, after the work is done, before answering


@dataclass(slots=True)
class Stored:
    resource: dict[str, Any]
    form: dict[str, str]
    sent_at: datetime
    arrived: float  # time.monotonic() when it was accepted: rates are measured with it


def most_in_window(times: list[float], seconds: float) -> int:
    """The most of `times` within any window [t, t + seconds)."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, start + seconds) - i for i, start in enumerate(ordered)),
        default=0,
    )


def segments(body: str) -> int:
    """How many SMS parts Twilio bills for `body` (GSM-7 or UCS-2)."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in body):
        units = sum(2 if char in GSM_EXTENDED else 1 for char in body)
        single, part = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else math.ceil(units / part)


def error_reply(
    status: int, code: int | None, *, to: str | None = None, headers: dict[str, str] | None = None
) -> Reply:
    template = ERROR_MESSAGES.get(code or 0, "Error")
    body = {
        "code": code,
        "message": template.format(to=to or ""),
        "more_info": f"https://www.twilio.com/docs/errors/{code}" if code else None,
        "status": status,
    }
    return Reply(status, body, headers=headers or {})


def seconds_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def parse_date(value: str) -> date | datetime:
    """A DateSent filter: YYYY-MM-DD, or the SDK's YYYY-MM-DDTHH:MM:SSZ."""
    if len(value) == 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def matches(
    stored: Stored, to: str | None, sender: str | None, bounds: dict[str, date | datetime]
) -> bool:
    resource = stored.resource
    if (to and resource["to"] != to) or (sender and resource["from"] != sender):
        return False
    return all(_date_matches(stored.sent_at, op, bound) for op, bound in bounds.items())


def _date_matches(sent: datetime, op: str, bound: date | datetime) -> bool:
    # Twilio documents DateSent< and DateSent> as inclusive: "on and before", "on and after".
    if isinstance(bound, datetime):
        left: date = sent.replace(microsecond=0)
    else:
        left = sent.date()
    if op == "<":
        return left <= bound
    if op == ">":
        return left >= bound
    return left == bound


@dataclass(frozen=True, slots=True)
class Fault:
    """A scripted failure: the status, Twilio's error code, and a Retry-After if any."""

    status: int
    code: int | None
    retry_after: float | None = None

    def reply(self, to: str | None = None) -> Reply:
        headers = {"Retry-After": seconds_text(self.retry_after)} if self.retry_after else {}
        return error_reply(self.status, self.code, to=to, headers=headers)


def account_resource(sid: str) -> dict[str, Any]:
    """The Account resource, as a readiness probe fetches it."""
    uri = f"/{API_VERSION}/Accounts/{sid}.json"
    resource = {"sid": sid, "friendly_name": "FakeTwilio", "status": "active", "type": "Full"}
    return {**resource, "uri": uri, "owner_account_sid": sid}


def call_resource(account_sid: str, sid: str, form: dict[str, str], stamp: str) -> dict[str, Any]:
    """A Call resource just created from `form`, as Twilio answers the create request."""
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Calls/{sid}.json"
    return {
        "account_sid": account_sid,
        "annotation": None,
        "answered_by": None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": stamp,
        "date_updated": stamp,
        "direction": "outbound-api",
        "duration": None,
        "end_time": None,
        "forwarded_from": None,
        "from": form.get("From"),
        "from_formatted": form.get("From"),
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": sid,
        "start_time": None,
        "status": "queued",
        "subresource_uris": {"recordings": uri.replace(".json", "/Recordings.json")},
        "to": form.get("To"),
        "to_formatted": form.get("To"),
        "trunk_sid": None,
        "uri": uri,
    }
