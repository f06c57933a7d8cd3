"""A calendar feed server for tests: real HTTPS on 127.0.0.1, programmed per request.

Tests set what the next requests get (`answer`), and read what each request carried
(`requests`), e.g. whether it sent If-None-Match. The server honours ETag and
Last-Modified validators by itself, as a real calendar server does.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET_PATH = "/calendar/ical/clinic%40example.org/private-5ec4e7t0ken/basic.ics"


@dataclass
class Answer:
    """What the server answers; `validators` makes it answer 304 when they match."""

    status: int = 200
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a stalled server)
    hold: threading.Event | None = None  # wait for this before answering
    validators: bool = True


@dataclass(frozen=True)
class SeenRequest:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]


class FeedServer:
    """Serves one programmable calendar over HTTPS (or plain HTTP without a context)."""

    def __init__(self, context: ssl.SSLContext | None) -> None:
        self.answer = Answer()
        self.requests: list[SeenRequest] = []
        self.arrived = threading.Event()  # set at every request
        self._context = context
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self._httpd is not None
        scheme = "https" if self._context else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The feed's address, with a secret token in its path like Google's."""
        return self.base + SECRET_PATH

    def serve(self, body: bytes, etag: str | None = None, last_modified: str | None = None) -> None:
        """Answer 200 with this calendar from now on (304 when the validators match)."""
        self.answer = Answer(body=body, etag=etag, last_modified=last_modified)

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(SeenRequest(handler.path, dict(handler.headers.items())))
            answer = self.answer
        self.arrived.set()
        if answer.hold is not None:
            answer.hold.wait(30)
        if answer.delay:
            self._closing.wait(answer.delay)
        status, body = answer.status, answer.body
        if status == 200 and answer.validators and _unchanged(handler, answer):
            status, body = 304, b""
        handler.send_response(status)
        headers = {"Content-Type": "text/calendar; charset=utf-8", **answer.headers}
        if answer.etag:
            headers["ETag"] = answer.etag
        if answer.last_modified:
            headers["Last-Modified"] = answer.last_modified
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    server._respond(self)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass  # the client gave up (a timeout test): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        if self._context is not None:
            # The handshake happens in the request's thread, not the accepting one.
            httpd.socket = self._context.wrap_socket(
                httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._httpd = httpd
        threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


def _unchanged(handler: BaseHTTPRequestHandler, answer: Answer) -> bool:
    if answer.etag and handler.headers.get("If-None-Match") == answer.etag:
        return True
    since = handler.headers.get("If-Modified-Since")
    return bool(answer.last_modified and not answer.etag and since == answer.last_modified)


@contextmanager
def feed_server(context: ssl.SSLContext | None) -> Iterator[FeedServer]:
    """A running FeedServer for the block."""
    server = FeedServer(context)
    server.start()
    try:
        yield server
    finally:
        server.stop()
