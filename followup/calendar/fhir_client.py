"""A FHIR R4 server's searches, paged, under the same limits as calendar feeds.

Every request goes through `feeds.exchange` (timeouts, size cap, checked redirects). The
access token, the client secret and the server's address stay out of logs, errors and
the database: a server is known by `fhir:<host>/<hash prefix>`, like a feed. A failure of
any page fails the whole search with one line, so a half-read schedule never counts.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode

import requests
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import ValidationError

from followup.calendar.feeds import Feed, FeedError, FeedOptions, Fetched, exchange, origin

ACCEPT = "application/fhir+json"
# However the server pages, a search ends: a `next` link that loops or never ends fails.
MAX_PAGES = 2000
_DETAIL = 120  # characters of an OperationOutcome's text kept in the one-line error


class FhirError(FeedError):
    """The FHIR server could not be read."""


@dataclass(frozen=True, slots=True)
class FhirServer:
    """One FHIR server and how followup signs in to it. Secrets stay out of repr."""

    feed: Feed  # the base address, checked as a feed's is
    token: str | None = field(default=None, repr=False)  # a fixed bearer token
    token_url: str | None = field(default=None, repr=False)  # OAuth 2.0 client credentials
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    scope: str | None = None
    # Search parameters every Appointment search adds, e.g. "actor=Location/infusion": an
    # EHR holds every department's appointments, and only the clinic's are to be messaged.
    appointment_search: str = ""
    page_size: int = 100

    @property
    def base(self) -> str:
        return self.feed.url.rstrip("/")

    @property
    def source(self) -> str:
        """The identity stored in `appointment.source`, `sync_run` and `feed_state`."""
        return "fhir:" + self.feed.source.removeprefix("feed:")


def access_token(http: requests.Session, server: FhirServer, options: FeedOptions) -> str | None:
    """The bearer token to send: the fixed one, or a new one by client credentials."""
    if server.token_url is None:
        return server.token
    form = {"grant_type": "client_credentials"}
    if server.scope:
        form["scope"] = server.scope
    # RFC 6749 2.3.1: every server must take the client's id and secret by HTTP Basic,
    # each form-encoded first.
    pair = f"{quote(server.client_id or '', safe='')}:{quote(server.client_secret or '', safe='')}"
    basic = "Basic " + base64.b64encode(pair.encode()).decode()
    fetched = exchange(
        http,
        "POST",
        server.token_url,
        options,
        {"Accept": "application/json", "Authorization": basic},
        form,
    )
    answer = _json(fetched.body)
    if fetched.http_status != 200:
        code = answer.get("error") if isinstance(answer, dict) else None
        said = f" ({_one_line(str(code))})" if code else ""
        raise FhirError(
            f"the token request was refused: HTTP {fetched.http_status}{said}",
            fetched.http_status,
        )
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise FhirError("the token endpoint answered without an access_token")
    return token


@dataclass(slots=True)
class Found:
    """Every resource a search's pages held (matches and includes, as JSON objects), and
    the server's clock when it answered the first page."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    server_time: datetime | None = None


def search(
    http: requests.Session,
    server: FhirServer,
    options: FeedOptions,
    token: str | None,
    resource_type: str,
    params: list[tuple[str, str]],
) -> Found:
    """Search one resource type and follow its `next` links to the end."""
    headers = {"Accept": ACCEPT}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url: str | None = f"{server.base}/{resource_type}?{urlencode(params)}"
    found, seen = Found(), set[str]()
    while url is not None:
        if url in seen or len(seen) >= MAX_PAGES:
            raise FhirError(f"{resource_type} search: the server's pages do not end")
        seen.add(url)
        fetched = exchange(http, "GET", url, options, dict(headers))
        if found.server_time is None:
            found.server_time = _server_time(fetched)
        page = read_page(fetched, resource_type)
        found.resources.extend(page.resources)
        url = page.next_url
        if url is not None and origin(url) != origin(server.base):
            # The token must not go to another server, whatever a page says.
            raise FhirError(f"{resource_type} search: a next link leads to another server")
    return found


@dataclass(slots=True)
class Page:
    resources: list[dict[str, Any]]
    next_url: str | None


def read_page(fetched: Fetched, resource_type: str) -> Page:
    """One searchset page's resources and next link; `FhirError` in one line when the page
    is an error, not a Bundle, or carries an OperationOutcome of an error."""
    what = f"{resource_type} search"
    body = _json(fetched.body)
    if fetched.http_status != 200:
        raise FhirError(
            f"{what}: HTTP {fetched.http_status}{_outcome_text(body)}", fetched.http_status
        )
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        kind = body.get("resourceType") if isinstance(body, dict) else None
        raise FhirError(f"{what}: the answer is {kind or 'not FHIR JSON'}, not a Bundle", 200)
    entries = body.get("entry") or []
    if not isinstance(entries, list):
        raise FhirError(f"{what}: the Bundle's entry is not a list", 200)
    try:
        # The Bundle without its resources: one bad resource is the mapping's to name, not
        # a reason to refuse the page.
        shell = Bundle.model_validate(
            {**body, "entry": [_without_resource(e) for e in entries if isinstance(e, dict)]}
        )
    except ValidationError as exc:
        raise FhirError(
            f"{what}: not a valid Bundle ({exc.error_count()} problem(s))", 200
        ) from None
    resources = []
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        if resource.get("resourceType") == "OperationOutcome":
            if failed := _outcome_text(resource, errors_only=True):
                raise FhirError(f"{what}: the server reported a problem{failed}", 200)
            continue
        resources.append(resource)
    next_url = next((link.url for link in shell.link or [] if link.relation == "next"), None)
    return Page(resources, str(next_url) if next_url else None)


def _without_resource(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key != "resource"}


def _outcome_text(body: Any, errors_only: bool = False) -> str:
    """ " (code: text)" of an OperationOutcome's first issue worth saying, else ""."""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return ""
    try:
        outcome = OperationOutcome.model_validate(body)
    except ValidationError:
        return " (an unreadable OperationOutcome)"
    for issue in outcome.issue or []:
        if errors_only and issue.severity not in ("error", "fatal"):
            continue
        text = (issue.details.text if issue.details else None) or issue.diagnostics or ""
        return f" ({issue.code}: {_one_line(str(text))})" if text else f" ({issue.code})"
    return ""


def _json(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:_DETAIL]


def _server_time(fetched: Fetched) -> datetime | None:
    try:
        return parsedate_to_datetime(fetched.date).astimezone(UTC) if fetched.date else None
    except (TypeError, ValueError):
        return None
