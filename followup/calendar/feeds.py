"""Calendar feeds: ICS over https, fetched politely and without leaking their address.

A feed address usually carries a secret (Google's "secret address in iCal format" is a
token in the path), so a feed is known everywhere by `feed:<host>/<hash prefix>`: stable
while the address stays the same, and saying nothing about the secret. The address itself
is never logged, stored or shown.

This module only speaks HTTP; what a read changes in the database is `followup.calendar.importing`'s.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from followup.calendar.addresses import check_feed_url
from followup.core.errors import SourceError

MAX_REDIRECTS = 5
# A slow server could drip bytes just inside the read timeout forever: the whole download
# must also end within this many read timeouts.
TOTAL_READ_TIMEOUTS = 4
_CHUNK = 64 * 1024
_HOST_LIMIT = 150  # the identity must fit appointment.source (200)
_USER_AGENT = "followup calendar sync"


@dataclass(frozen=True, slots=True)
class Feed:
    """One calendar feed. `url` stays out of repr, logs and the database."""

    url: str = field(repr=False)
    host: str
    short_id: str  # a prefix of the address's SHA-256

    @classmethod
    def parse(cls, url: str) -> Feed:
        """A feed from a checked address (see `check_feed_url`)."""
        url = url.strip()
        problem = check_feed_url(url)
        if problem:
            raise SourceError(f"calendar feed refused: {problem}")
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()[:_HOST_LIMIT]
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        return cls(url, host, hashlib.sha256(url.encode()).hexdigest()[:12])

    @property
    def source(self) -> str:
        """The identity stored in `appointment.source`, `sync_run` and `feed_state`."""
        return f"feed:{self.host}/{self.short_id}"


@dataclass(frozen=True, slots=True)
class FeedOptions:
    """How feeds are fetched: timeouts, size limit, backoff, trusted CAs."""

    connect_timeout: float = 10
    read_timeout: float = 30
    max_bytes: int = 20_000_000
    backoff_base: timedelta = timedelta(minutes=5)
    backoff_cap: timedelta = timedelta(hours=1)
    ca_bundle: Path | None = None


def backoff(failures: int, options: FeedOptions) -> timedelta:
    """How long to wait after `failures` consecutive failures: doubling, capped."""
    if failures <= 0:
        return timedelta(0)
    return min(options.backoff_cap, options.backoff_base * (1 << min(failures - 1, 30)))


class FeedError(SourceError):
    """The calendar feed could not be fetched."""

    def __init__(self, message: str | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


@dataclass(frozen=True, slots=True)
class Fetched:
    """A server's answer: a body (none for a 304), its validators and its clock."""

    http_status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    date: str | None = None  # the server's clock (the Date header), as sent

    @property
    def not_modified(self) -> bool:
        return self.http_status == 304


def fetch(
    http: requests.Session,
    feed: Feed,
    options: FeedOptions,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET the feed conditionally; raises `FeedError` (one line, no address) on any failure."""
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    fetched = exchange(http, "GET", feed.url, options, headers)
    if fetched.http_status not in (200, 304):
        raise FeedError(f"HTTP {fetched.http_status}", fetched.http_status)
    if fetched.not_modified:
        return Fetched(
            304, None, fetched.etag or etag, fetched.last_modified or last_modified, fetched.date
        )
    return fetched


def exchange(
    http: requests.Session,
    method: str,
    url: str,
    options: FeedOptions,
    headers: dict[str, str],
    data: dict[str, str] | None = None,
) -> Fetched:
    """One HTTP exchange under the feed limits, whatever its status: GETs follow checked
    redirects, an `Authorization` header never leaves the address's origin, and the body
    (none for a 304) is read within the size and time caps. Raises `FeedError` (one line,
    no address) when no answer could be had."""
    _quiet_urllib3()
    headers = {"User-Agent": _USER_AGENT, **headers}
    for _hop in range(MAX_REDIRECTS + 1):
        response = _send(http, method, url, options, headers, data)
        with response:
            if response.is_redirect and method == "GET":
                target = urljoin(url, response.headers.get("Location", ""))
                if check_feed_url(target) is not None:
                    raise FeedError(
                        f"redirected (HTTP {response.status_code}) to an address that is not "
                        "https: refused",
                        response.status_code,
                    )
                if origin(target) != origin(url):
                    # requests would drop it too; we follow redirects ourselves.
                    headers.pop("Authorization", None)
                url = target
                continue
            return Fetched(
                response.status_code,
                _body(response, options),
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
                response.headers.get("Date"),
            )
    raise FeedError(f"more than {MAX_REDIRECTS} redirects")


def origin(url: str) -> tuple[str, str | None, int | None]:
    """Scheme, host and port: where a request goes, and so who sees its credentials."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.hostname, parts.port


def _send(
    http: requests.Session,
    method: str,
    url: str,
    options: FeedOptions,
    headers: dict[str, str],
    data: dict[str, str] | None,
) -> requests.Response:
    # requests' own messages quote the address (and so the secret): never pass them on.
    try:
        return http.request(
            method,
            url,
            headers=headers,
            data=data,
            timeout=(options.connect_timeout, options.read_timeout),
            allow_redirects=False,
            stream=True,
            verify=str(options.ca_bundle) if options.ca_bundle else True,
        )
    except requests.exceptions.SSLError:
        raise FeedError(
            "TLS failed: the server's certificate is not trusted "
            "(a private CA needs FOLLOWUP_CALENDAR_FEED_CA_BUNDLE)"
        ) from None
    except requests.exceptions.ConnectTimeout:
        raise FeedError(f"could not connect within {options.connect_timeout:g} s") from None
    except requests.exceptions.ReadTimeout:
        raise FeedError(f"no answer within {options.read_timeout:g} s") from None
    except requests.exceptions.ConnectionError:
        raise FeedError("could not connect to the server") from None
    except requests.RequestException as exc:
        raise FeedError(f"request failed ({type(exc).__name__})") from None


def _body(response: requests.Response, options: FeedOptions) -> bytes | None:
    if response.status_code == 304:
        return None
    if response.status_code < 300:
        return _read_body(response, options)
    # An error's body may explain it (a FHIR OperationOutcome); one that cannot be read
    # must not hide the status, which says more.
    try:
        return _read_body(response, options)
    except FeedError:
        return None


def _read_body(response: requests.Response, options: FeedOptions) -> bytes:
    limit = options.max_bytes
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FeedError(f"larger than the {limit} byte limit", response.status_code)
    deadline = time.monotonic() + options.read_timeout * TOTAL_READ_TIMEOUTS
    chunks: list[bytes] = []
    size = 0
    try:
        # Counted after decompression, so a small gzip bomb is caught as well.
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise FeedError(f"larger than the {limit} byte limit", response.status_code)
            if time.monotonic() > deadline:
                raise FeedError("the download took too long", response.status_code)
            chunks.append(chunk)
    except requests.exceptions.ConnectionError:
        raise FeedError(
            f"the download stalled (no data within {options.read_timeout:g} s)",
            response.status_code,
        ) from None
    except requests.RequestException as exc:
        raise FeedError(
            f"the download failed ({type(exc).__name__})", response.status_code
        ) from None
    return b"".join(chunks)


def _quiet_urllib3() -> None:
    # urllib3 logs each request line at DEBUG, path included, and the path may hold the
    # feed's secret token: keep its connection pool logger above DEBUG.
    pool = logging.getLogger("urllib3.connectionpool")
    if pool.getEffectiveLevel() < logging.INFO:
        pool.setLevel(logging.INFO)
