"""Phone calls through Twilio's Programmable Voice API (the Calls resource), with the SDK.

A call is created with the addresses Twilio fetches what to say from and reports its end
to, with answering machine detection that waits for a voicemail's beep (so a call-back
message is left whole), a ring timeout and a time limit. Failures become ChannelErrors
raised `from None`: the SDK's messages quote the number.
"""

from __future__ import annotations

import json
import logging

from requests import exceptions as http_errors
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from followup.channels.base import ChannelError
from followup.channels.twilio_sms import (
    DEFAULT_TIMEOUT,
    TWILIO_API,
    _RebasedHttpClient,
    http_status,
    network_error,
)
from followup.core.phones import mask

logger = logging.getLogger(__name__)

# Twilio says AnsweredBy once a voicemail's greeting ends (machine_end_beep, ...), so the
# message is recorded after the beep; a person is told apart within a few seconds.
MACHINE_DETECTION = "DetectMessageEnd"


class TwilioCaller:
    """Places calls from one Twilio number; `call` returns the Call SID."""

    provider = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        base_url: str = TWILIO_API,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._from = from_number
        self._http = _RebasedHttpClient(base_url, timeout)
        client = Client(account_sid, auth_token, http_client=self._http)
        # FOLLOWUP_* only: TWILIO_EDGE or TWILIO_REGION must not reroute calls.
        client.edge = None
        client.region = None
        self._calls = client.calls

    def call(
        self, to: str, answer_url: str, status_url: str, ring_seconds: int, time_limit: int
    ) -> str:
        """Create the call; its SID, or a ChannelError saying whether Twilio refused it."""
        try:
            call = self._calls.create(
                to=to,
                from_=self._from,
                url=answer_url,
                method="POST",
                status_callback=status_url,
                status_callback_method="POST",
                machine_detection=MACHINE_DETECTION,
                timeout=ring_seconds,
                time_limit=time_limit,
            )
        except TwilioException as exc:
            status, code = http_status(exc), getattr(exc, "code", None)
            raise ChannelError(
                f"twilio: call refused (HTTP {status}, error {code})",
                permanent=status is not None and status < 500 and status != 429,
                code=str(code) if code is not None else None,
            ) from None
        except http_errors.RequestException as exc:
            raise network_error(exc) from None
        except json.JSONDecodeError:
            raise ChannelError(
                "twilio: unreadable answer; the call may have been placed",
                permanent=False,
                maybe_sent=True,
            ) from None
        logger.debug("twilio placed call %s to %s", call.sid, mask(to))
        return str(call.sid)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()
