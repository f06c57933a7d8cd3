"""SMS through Twilio's Programmable Messaging API, with the official SDK.

Every failure becomes a ChannelError that says whether a retry can help, whether the number
is unusable, and whether the message may have gone out anyway. ChannelErrors are raised
`from None`: the SDK's own messages quote the phone number and the request URL.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from requests import exceptions as http_errors
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ProxyError, SSLError

from followup.channels.base import ChannelError, ChannelName, Envelope, Receipt
from followup.core import clock
from followup.core.errors import ConfigError
from followup.core.phones import mask
from followup.settings import Settings

logger = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
DEFAULT_TIMEOUT = 10.0
MAX_VALIDITY_SECONDS = 36_000  # Twilio refuses a ValidityPeriod outside 1..36000
LOOKUP_LIMIT = 100

# Twilio error codes that mean this number cannot get our SMS: 21211 invalid 'To',
# 21214 'To' cannot be reached, 21217 not a valid number, 21610 unsubscribed (STOP),
# 21612 'To' not reachable by SMS, 21614 not a mobile number.
UNREACHABLE_CODES = frozenset({21211, 21214, 21217, 21610, 21612, 21614})
# 20429 too many requests; 21611 the sender's queue is full. Both clear up on their own.
RETRYABLE_CODES = frozenset({20429, 21611})
# A gateway answered for Twilio: the API behind it may have created the message.
GATEWAY_STATUSES = frozenset({502, 504})

# Failures of these kinds happen before a byte of the request left this machine
# (urllib3's NewConnectionError, e.g. connection refused, is a ConnectTimeoutError).
_CONNECT_FAILURES = (ConnectTimeoutError, ProxyError, SSLError)


class _RebasedHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The SDK's HTTP client, pointed at `base_url` instead of api.twilio.com.

    It also keeps each thread's last response headers: the SDK's exceptions drop them, and
    a 429's Retry-After lives there.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base_url = base_url.rstrip("/")
        self._local = threading.local()

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Send the request to the configured server, remembering the response headers."""
        self._local.headers = {}
        response = super().request(method, self._rebase(url), *args, **kwargs)
        self._local.headers = response.headers or {}
        return response

    def last_headers(self) -> Mapping[str, str]:
        """Headers of this thread's last response (case-insensitive), empty if none came."""
        headers: Mapping[str, str] = getattr(self._local, "headers", {})
        return headers

    def log_request(self, kwargs: dict[str, Any]) -> None:
        """Log nothing: the SDK logs query strings at INFO, and they carry phone numbers."""

    def log_response(self, status_code: int, response: Any) -> None:
        """Log nothing (see log_request)."""

    @property
    def base_url(self) -> str:
        """The server requests go to instead of api.twilio.com."""
        return self._base_url

    def close(self) -> None:
        """Close pooled connections."""
        if self.session is not None:
            self.session.close()

    def _rebase(self, url: str) -> str:
        if url.startswith(TWILIO_API + "/"):
            return self._base_url + url[len(TWILIO_API) :]
        return url


class TwilioSMSChannel:
    """Sends SMS with Twilio; can look a message up after an uncertain send."""

    name: ChannelName = "sms"
    provider = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        base_url: str = TWILIO_API,
        public_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ConfigError(
                "Twilio needs FOLLOWUP_TWILIO_FROM_NUMBER or FOLLOWUP_TWILIO_MESSAGING_SERVICE_SID"
            )
        self._from_number = from_number
        self._messaging_service_sid = messaging_service_sid
        # Who Twilio sees sending, as its status callbacks name it: the Messaging Service
        # (which picks the number) when there is one, else the number.
        self.sender = messaging_service_sid or from_number
        self._status_callback = f"{public_url.rstrip('/')}/twilio/status" if public_url else None
        self._http = _RebasedHttpClient(base_url, timeout)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        # followup is configured by FOLLOWUP_* only; the SDK would otherwise let TWILIO_EDGE
        # and TWILIO_REGION in the environment reroute requests away from base_url.
        self._client.edge = None
        self._client.region = None
        # The SDK imports its API modules on first use (75 ms here, more on a busy host):
        # done now, the first message does not lag behind the rate-limit token it took.
        self._messages = self._client.messages

    @classmethod
    def from_settings(
        cls, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT
    ) -> TwilioSMSChannel:
        """Build the channel from FOLLOWUP_TWILIO_* settings; ConfigError when incomplete."""
        if not settings.twilio_account_sid:
            raise ConfigError("FOLLOWUP_TWILIO_ACCOUNT_SID is not set")
        if settings.twilio_auth_token is None:
            raise ConfigError(
                "FOLLOWUP_TWILIO_AUTH_TOKEN is required with FOLLOWUP_TWILIO_ACCOUNT_SID"
            )
        return cls(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            base_url=settings.twilio_base_url,
            public_url=settings.public_url,
            timeout=timeout,
        )

    def send(self, envelope: Envelope) -> Receipt:
        """Create the Twilio Message; return its SID, or raise a classified ChannelError."""
        try:
            message = self._messages.create(**self._create_params(envelope))
        except TwilioException as exc:
            raise api_error(exc, self._http.last_headers()) from None
        except http_errors.RequestException as exc:
            raise network_error(exc) from None
        except json.JSONDecodeError:
            # Twilio answered 2xx with a body we cannot read: it probably took the message.
            raise ChannelError(
                "twilio: unreadable answer; the message may have been sent",
                permanent=False,
                maybe_sent=True,
            ) from None
        logger.debug(
            "twilio accepted sms message %s to %s as %s",
            envelope.message_id,
            mask(envelope.to),
            message.sid,
        )
        return Receipt(provider_id=str(message.sid))

    def find_sent(self, envelope: Envelope, since: datetime) -> Receipt | None:
        """Twilio's record of this body sent to this number since `since`, if any."""
        # Twilio keeps whole seconds; compare at that precision.
        after = clock.require_aware(since, "since").replace(microsecond=0)
        try:
            # Filter on creation time here: Twilio sets date_sent only once a message has
            # left its queue, so a DateSent filter would miss one still queued.
            for message in self._messages.stream(to=envelope.to, limit=LOOKUP_LIMIT):
                created = message.date_created
                if created is not None and created >= after and message.body == envelope.text:
                    return Receipt(provider_id=str(message.sid))
        except (TwilioException, http_errors.RequestException, json.JSONDecodeError) as exc:
            raise ChannelError(
                f"twilio: message lookup failed ({describe(exc)})", permanent=False
            ) from None
        return None

    def check(self, timeout: float) -> None:
        """Fetch our Account through the SDK: Twilio answers, takes the token, account active."""
        # A client of its own, so a readiness probe has a short timeout and shares no
        # connection (or remembered headers) with sends.
        http = _RebasedHttpClient(self._http.base_url, timeout)
        client = Client(self._client.username, self._client.password, http_client=http)
        client.edge = None
        client.region = None
        try:
            account = client.api.v2010.accounts(self._client.account_sid).fetch()
        except TwilioException as exc:
            raise ChannelError(
                f"twilio: account check refused ({describe(exc)})", permanent=False
            ) from None
        except (http_errors.RequestException, json.JSONDecodeError) as exc:
            raise ChannelError(f"twilio: unreachable ({describe(exc)})", permanent=False) from None
        finally:
            http.close()
        if account.status != "active":
            raise ChannelError(f"twilio: account is {account.status}", permanent=False)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def _create_params(self, envelope: Envelope) -> dict[str, Any]:
        params: dict[str, Any] = {"to": envelope.to, "body": envelope.text}
        sender = envelope.sender
        if sender and sender.startswith("MG"):
            params["messaging_service_sid"] = sender  # a location's own Messaging Service
        elif sender:
            params["from_"] = sender  # a location's own number
        elif self._messaging_service_sid:
            params["messaging_service_sid"] = self._messaging_service_sid
        else:
            params["from_"] = self._from_number
        if self._status_callback and envelope.stream == "message":
            # Our id rides along: a report can come before the batch records the send.
            params["status_callback"] = f"{self._status_callback}?message={envelope.message_id}"
        elif self._status_callback:
            # Known by its SID alone: another kind of row's id must not be read as a message's.
            params["status_callback"] = self._status_callback
        validity = validity_period(envelope.valid_for)
        if validity is not None:
            params["validity_period"] = validity
        return params


def validity_period(valid_for: timedelta | None) -> int | None:
    """`valid_for` as Twilio's ValidityPeriod: whole seconds within 1..36000, or None."""
    if valid_for is None:
        return None
    return min(max(int(valid_for.total_seconds()), 1), MAX_VALIDITY_SECONDS)


def api_error(exc: TwilioException, headers: Mapping[str, str]) -> ChannelError:
    """Classify an error answer from the Twilio API."""
    status = http_status(exc)
    code = getattr(exc, "code", None)
    label = str(code) if code is not None else None
    if code in UNREACHABLE_CODES:
        return ChannelError(
            f"twilio: the number cannot receive this SMS (error {code})",
            permanent=True,
            unreachable=True,
            code=label,
        )
    if status == 429 or code in RETRYABLE_CODES:
        return ChannelError(
            f"twilio: too many requests (HTTP {status}, error {code})",
            permanent=False,
            code=label,
            retry_after=parse_retry_after(headers.get("Retry-After")),
        )
    if status is None or status >= 500:
        return ChannelError(
            f"twilio: server error (HTTP {status}, error {code})",
            permanent=False,
            code=label,
            maybe_sent=status is None or status in GATEWAY_STATUSES,
        )
    return ChannelError(
        f"twilio: message refused (HTTP {status}, error {code})", permanent=True, code=label
    )


def network_error(exc: Exception) -> ChannelError:
    """Classify a failure to talk to Twilio at all."""
    if never_sent(exc):
        return ChannelError(f"twilio: could not connect ({describe(exc)})", permanent=False)
    if isinstance(exc, http_errors.Timeout):
        message = "twilio: no answer before the timeout; the message may have been sent"
    else:
        message = f"twilio: connection lost ({describe(exc)}); the message may have been sent"
    return ChannelError(message, permanent=False, maybe_sent=True)


def never_sent(exc: Exception) -> bool:
    """True when the connection failed before the request could leave."""
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, _CONNECT_FAILURES)


def http_status(exc: Exception) -> int | None:
    """The HTTP status behind an SDK exception, if it had one."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status
    # The SDK raises a bare TwilioException("Unable to fetch page", response) for lists.
    response = exc.args[1] if len(exc.args) > 1 else None
    code = getattr(response, "status_code", None)
    return code if isinstance(code, int) else None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - clock.now()).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def describe(exc: Exception) -> str:
    """A short, PHI-free description: HTTP status, or the exception's class name."""
    status = http_status(exc)
    return f"HTTP {status}" if status is not None else type(exc).__name__
