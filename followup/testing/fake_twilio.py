"""A fake Twilio REST API (Messages, and Calls in `fake_calls`) that the real twilio SDK
can talk to over HTTP.

    with FakeTwilio(account_sid, auth_token) as fake:
        channel = TwilioSMSChannel(account_sid, auth_token, from_number=..., base_url=fake.base_url)
        channel.send(envelope)
        assert fake.count_by_body() == {envelope.text: 1}

It answers like api.twilio.com (resource JSON, error JSON, paging), can be told to fail,
be slow or hang, and records what it accepted and when (`arrivals`, `most_in_any`). Standard library only; runs on 127.0.0.1.
For local staging: `python -m followup.testing.fake_twilio --port 8099 AC... token`.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hmac
import json
import logging
import sys
import threading
import time
from collections import Counter, deque
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit
from uuid import uuid4

from followup.core.phones import mask
from followup.testing.fake_calls import FakeCalls
from followup.testing.twilio_shapes import (
    ACCOUNT_PATH,
    API_VERSION,
    CALLS_PATH,
    DATE_FILTERS,
    DEFAULT_CODES,
    LIST_FILTERS,
    PATH,
    Fault,
    Reply,
    Stored,
    account_resource,
    error_reply,
    matches,
    most_in_window,
    parse_date,
    segments,
)

logger = logging.getLogger(__name__)


class FakeTwilio:
    """A Twilio Messages API on 127.0.0.1, checked against one account SID and token."""

    def __init__(
        self, account_sid: str, auth_token: str, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.delay = 0.0  # seconds to sleep before handling each request: a slow provider
        self._address = (host, port)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._stored: list[Stored] = []
        self._faults: deque[Fault] = deque()
        self._recipient_faults: dict[str, Fault] = {}
        self._hangs: deque[float] = deque()
        self._tagged_hangs: dict[str, deque[float]] = {}
        self._hung: list[str] = []
        self._hanging = 0
        self._deliveries: Counter[tuple[str, str]] = Counter()
        self._outage_until = 0.0
        self._outage_statuses: tuple[int, ...] = ()
        self._outage_retry_after: float | None = None
        self._outage_requests = 0
        self._requests = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.calls = FakeCalls(account_sid, auth_token, self._stopping)  # the Calls API

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving in a background thread."""
        if self._server is not None:
            raise RuntimeError("FakeTwilio is already running")
        self._stopping.clear()
        self._server = _Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-twilio"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: wake hanging requests, close every socket, join every thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()  # joins the request threads (daemon_threads is off)
        thread.join()
        self.calls.close()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Where the SDK should send requests instead of https://api.twilio.com."""
        if self._server is None:
            raise RuntimeError("FakeTwilio is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- faults --------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        status: int = 500,
        code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next `count` authenticated API requests with this error."""
        fault = Fault(status, code if code is not None else DEFAULT_CODES.get(status), retry_after)
        with self._lock:
            self._faults.extend([fault] * count)

    def fail_for(self, to: str, status: int = 400, code: int = 21211) -> None:
        """Refuse every message to `to` with this error, until clear_faults()."""
        with self._lock:
            self._recipient_faults[to] = Fault(status, code)

    def accept_then_hang(
        self, count: int = 1, seconds: float = 1.0, tag: str | None = None
    ) -> None:
        """Store the next `count` messages, then wait `seconds` before answering.

        With `tag`, only messages sent through base URL `{base_url}/{tag}` hang: the way to
        leave one worker, of several, with messages the provider took and it never heard of.
        """
        with self._lock:
            queue = self._hangs if tag is None else self._tagged_hangs.setdefault(tag, deque())
            queue.extend([seconds] * count)

    def outage(
        self,
        seconds: float,
        statuses: tuple[int, ...] = (429, 500, 503),
        retry_after: float | None = 5,
    ) -> None:
        """For `seconds` from now, answer every API request with these errors in turn.

        429s carry `Retry-After: retry_after`. `outage_requests` counts what was refused.
        """
        with self._lock:
            self._outage_until = time.monotonic() + seconds
            self._outage_statuses = statuses
            self._outage_retry_after = retry_after

    def clear_faults(self) -> None:
        """Forget every programmed fault and hang, and set delay back to 0."""
        with self._lock:
            self._faults.clear()
            self._recipient_faults.clear()
            self._hangs.clear()
            self._tagged_hangs.clear()
            self._outage_until = 0.0
            self.delay = 0.0

    # -- inspection ----------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every accepted message as Twilio's Message resource, oldest first."""
        with self._lock:
            return [dict(stored.resource) for stored in self._stored]

    @property
    def forms(self) -> list[dict[str, str]]:
        """The form fields of every accepted create request, oldest first."""
        with self._lock:
            return [dict(stored.form) for stored in self._stored]

    @property
    def requests(self) -> int:
        """How many HTTP requests arrived, failed ones included."""
        with self._lock:
            return self._requests

    def deliveries_to(self, to: str) -> list[dict[str, Any]]:
        """The accepted messages addressed to `to`, oldest first."""
        return [message for message in self.messages if message["to"] == to]

    @property
    def accepted(self) -> int:
        """How many messages were accepted (cheap: copies nothing)."""
        with self._lock:
            return len(self._stored)

    def deliveries(self) -> Counter[tuple[str, str]]:
        """How many times each (To, Body) was accepted: all 1s means nothing went twice."""
        with self._lock:
            return Counter(self._deliveries)

    @property
    def hung(self) -> list[str]:
        """SIDs of the messages accepted and then left unanswered by `accept_then_hang`."""
        with self._lock:
            return list(self._hung)

    @property
    def hanging(self) -> int:
        """How many requests are being held unanswered right now."""
        with self._lock:
            return self._hanging

    @property
    def outage_requests(self) -> int:
        """How many requests an `outage` refused."""
        with self._lock:
            return self._outage_requests

    @property
    def arrivals(self) -> list[float]:
        """When each accepted message arrived, by `time.monotonic()`, oldest first."""
        with self._lock:
            return [stored.arrived for stored in self._stored]

    def most_in_any(self, seconds: float) -> int:
        """The most messages accepted within any `seconds` (a sliding window): a rate check."""
        return most_in_window(self.arrivals, seconds)

    def count_by_body(self) -> dict[str, int]:
        """How many times each body was accepted: {body: 1, ...} means no duplicates."""
        return dict(Counter(message["body"] for message in self.messages))

    # -- the API -------------------------------------------------------------------------

    def _respond(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str], auth: str | None
    ) -> Reply:
        with self._lock:
            self._requests += 1
            delay = self.delay
        if delay > 0:
            self._stopping.wait(delay)
        if not self._authorized(auth):
            return error_reply(401, 20003, headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})
        account = ACCOUNT_PATH.match(path)
        if account is not None and method == "GET":
            # Readiness probes fetch the account; programmed faults are for the Messages API.
            return self._account(account["account"])
        calls = CALLS_PATH.match(path)
        if calls is not None and calls["account"] == self.account_sid:
            fault = self._next_fault() or self._outage_fault()
            return fault.reply() if fault else self.calls.respond(method, calls["sid"], form)
        route = PATH.match(path)
        if route is None or route["account"] != self.account_sid:
            return error_reply(404, 20404)
        fault = self._next_fault() or self._outage_fault()
        if fault is not None:
            return fault.reply()
        if method == "POST" and route["sid"] is None:
            return self._create(form, route["tag"])
        if method == "GET" and route["sid"] is None:
            return self._list(path, query)
        if method == "GET":
            return self._fetch(route["sid"])
        return error_reply(405, 20004)

    def _account(self, sid: str) -> Reply:
        ok = sid == self.account_sid
        return Reply(200, account_resource(sid)) if ok else error_reply(404, 20404)

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            given = base64.b64decode(header.removeprefix("Basic "), validate=True)
        except (binascii.Error, ValueError):
            return False
        expected = f"{self.account_sid}:{self.auth_token}".encode()
        return hmac.compare_digest(given, expected)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _outage_fault(self) -> Fault | None:
        with self._lock:
            if time.monotonic() >= self._outage_until:
                return None
            status = self._outage_statuses[self._outage_requests % len(self._outage_statuses)]
            self._outage_requests += 1
        retry_after = self._outage_retry_after if status == 429 else None
        return Fault(status, DEFAULT_CODES.get(status), retry_after)

    def _create(self, form: dict[str, str], tag: str | None = None) -> Reply:
        to, body = form.get("To"), form.get("Body")
        if not to:
            return error_reply(400, 21604)
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return error_reply(400, 21603)
        if not body:
            return error_reply(400, 21602)
        with self._lock:
            fault = self._recipient_faults.get(to)
            if fault is not None:
                return fault.reply(to=to)
            stored = Stored(self._resource(form), dict(form), datetime.now(UTC), time.monotonic())
            self._stored.append(stored)
            self._deliveries[(to, body)] += 1
            tagged = self._tagged_hangs.get(tag or "")
            queue = tagged if tagged else self._hangs
            hang = queue.popleft() if queue else 0.0
            if hang > 0:
                self._hung.append(stored.resource["sid"])
        logger.debug("fake twilio accepted %s to %s", stored.resource["sid"], mask(to))
        return Reply(201, stored.resource, hang=hang)

    def _resource(self, form: dict[str, str]) -> dict[str, Any]:
        sid = f"SM{uuid4().hex}"
        stamp = format_datetime(datetime.now(UTC).replace(microsecond=0))
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": form["Body"],
            "date_created": stamp,
            "date_sent": stamp,  # real Twilio fills this in once a carrier takes it
            "date_updated": stamp,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": str(segments(form["Body"])),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # Twilio says "accepted" while a Messaging Service still has to pick a sender.
            "status": "queued" if form.get("From") else "accepted",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": form["To"],
            "uri": uri,
        }

    def _list(self, path: str, query: dict[str, str]) -> Reply:
        try:
            bounds = {
                op: parse_date(query[key]) for key, op in DATE_FILTERS.items() if key in query
            }
            page = max(int(query.get("Page", "0")), 0)
            size = min(max(int(query.get("PageSize", "50")), 1), 1000)
        except ValueError:
            return error_reply(400, 20001)
        with self._lock:
            newest_first = list(reversed(self._stored))
        found = [
            stored.resource
            for stored in newest_first
            if matches(stored, query.get("To"), query.get("From"), bounds)
        ]
        start = page * size
        chunk = found[start : start + size]
        filters = {key: query[key] for key in LIST_FILTERS if key in query}

        def page_uri(number: int) -> str:
            return f"{path}?{urlencode({**filters, 'PageSize': size, 'Page': number})}"

        return Reply(
            200,
            {
                "messages": chunk,
                "page": page,
                "page_size": size,
                "uri": page_uri(page),
                "first_page_uri": page_uri(0),
                "next_page_uri": page_uri(page + 1) if start + size < len(found) else None,
                "previous_page_uri": page_uri(page - 1) if page > 0 else None,
                "start": start,
                "end": start + max(len(chunk) - 1, 0),
            },
        )

    def _fetch(self, sid: str) -> Reply:
        with self._lock:
            for stored in self._stored:
                if stored.resource["sid"] == sid:
                    return Reply(200, stored.resource)
        return error_reply(404, 20404)


class _Handler(BaseHTTPRequestHandler):
    """Turns each HTTP request into one FakeTwilio._respond call. HTTP/1.0: one per socket."""

    server: _Server
    timeout = 5.0  # a client that connects and says nothing must not block shutdown

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: request lines carry phone numbers in their query strings."""

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        reply = fake._respond(method, url.path, query, self._form(), self.headers["Authorization"])
        if reply.hang > 0:
            with fake._lock:
                fake._hanging += 1
            fake._stopping.wait(reply.hang)
            with fake._lock:
                fake._hanging -= 1
        self._answer(reply)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}

    def _answer(self, reply: Reply) -> None:
        payload = json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except ConnectionError:
            self.close_connection = True  # the client gave up waiting: expected after a hang


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() waits for every request thread
    block_on_close = True
    # Many workers open a connection per message: the default backlog of 5 overflows and
    # the SDK sees connections reset, which is the fake failing, not the fault under test.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], fake: FakeTwilio) -> None:
        super().__init__(address, _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hung up; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main(argv: list[str] | None = None) -> None:
    """Serve a fake Twilio for local staging until interrupted."""
    parser = argparse.ArgumentParser(description="A fake Twilio Messages API on 127.0.0.1")
    parser.add_argument("account_sid")
    parser.add_argument("auth_token")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s %(message)s")
    with FakeTwilio(args.account_sid, args.auth_token, port=args.port) as fake:
        logger.info("fake twilio at %s (set FOLLOWUP_TWILIO_BASE_URL to it)", fake.base_url)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            logger.info("stopping")


if __name__ == "__main__":
    main()
