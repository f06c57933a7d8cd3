"""The Twilio channel through the real twilio SDK, against FakeTwilio over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from followup.channels.base import ChannelError, Envelope, LookupChannel
from followup.channels.twilio_sms import TwilioSMSChannel, parse_retry_after, validity_period
from followup.core.errors import ConfigError
from followup.settings import Settings
from followup.testing import FakeTwilio

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-9f2c"
FROM_NUMBER = "+15005550006"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
PATIENT = "+15551234567"
PUBLIC_URL = "https://followup.clinic.example"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def channel(fake: FakeTwilio) -> Iterator[TwilioSMSChannel]:
    sms = make_channel(fake.base_url)
    yield sms
    sms.close()


def make_channel(base_url: str, **overrides: Any) -> TwilioSMSChannel:
    options: dict[str, Any] = {
        "from_number": FROM_NUMBER,
        "base_url": base_url,
        "public_url": PUBLIC_URL,
        "timeout": 2.0,
    }
    options.update(overrides)
    token = options.pop("auth_token", AUTH_TOKEN)
    return TwilioSMSChannel(ACCOUNT_SID, token, **options)


def envelope(text: str = "Your infusion is tomorrow at 9:00.", **fields: Any) -> Envelope:
    return Envelope(message_id=42, channel="sms", to=PATIENT, text=text, **fields)


def failure(channel: TwilioSMSChannel, message: Envelope | None = None) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        channel.send(message or envelope())
    return caught.value


def settings(**values: Any) -> Settings:
    fields: dict[str, Any] = {
        "public_url": None,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_from_number": FROM_NUMBER,
        "twilio_messaging_service_sid": None,
    }
    fields.update(values)
    return Settings(_env_file=None, **fields)


# -- what leaves ---------------------------------------------------------------------------


def test_the_fake_receives_exactly_what_the_patient_would_get(
    fake: FakeTwilio, channel: TwilioSMSChannel
) -> None:
    text = "Ketamin-Nachsorge: Wie geht es Ihnen heute? ✓ Antworten Sie mit 1\u20135. Grüße!"
    receipt = channel.send(envelope(text, valid_for=timedelta(hours=2)))

    [form] = fake.forms
    assert form == {
        "To": PATIENT,
        "From": FROM_NUMBER,
        "Body": text,
        "StatusCallback": f"{PUBLIC_URL}/twilio/status?message=42",
        "ValidityPeriod": "7200",
    }
    [message] = fake.messages
    assert receipt.provider_id == message["sid"]
    assert message["sid"].startswith("SM") and len(message["sid"]) == 34
    assert message["body"] == text and message["to"] == PATIENT


def test_a_messaging_service_replaces_the_from_number(fake: FakeTwilio) -> None:
    sms = make_channel(fake.base_url, from_number=None, messaging_service_sid=SERVICE_SID)
    try:
        sms.send(envelope())
    finally:
        sms.close()

    [form] = fake.forms
    assert form["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in form


def test_without_public_url_or_validity_neither_field_is_sent(fake: FakeTwilio) -> None:
    sms = make_channel(fake.base_url, public_url=None)
    try:
        sms.send(envelope())
    finally:
        sms.close()

    [form] = fake.forms
    assert "StatusCallback" not in form and "ValidityPeriod" not in form


@pytest.mark.parametrize(
    ("valid_for", "expected"),
    [
        (timedelta(milliseconds=300), 1),
        (timedelta(seconds=-5), 1),
        (timedelta(minutes=90), 5400),
        (timedelta(days=2), 36_000),
    ],
)
def test_validity_is_clamped_to_twilios_range(valid_for: timedelta, expected: int) -> None:
    assert validity_period(valid_for) == expected


def test_each_message_is_delivered_exactly_once(
    fake: FakeTwilio, channel: TwilioSMSChannel
) -> None:
    bodies = [f"Check-in {day}: how are you feeling?" for day in range(1, 4)]
    for body in bodies:
        channel.send(envelope(body))

    assert fake.count_by_body() == dict.fromkeys(bodies, 1)
    assert len(fake.deliveries_to(PATIENT)) == 3
    assert fake.requests == 3


def test_from_settings_points_the_sdk_at_the_configured_base_url(fake: FakeTwilio) -> None:
    sms = TwilioSMSChannel.from_settings(settings(twilio_base_url=fake.base_url))
    try:
        sms.send(envelope())
    finally:
        sms.close()

    assert len(fake.messages) == 1
    assert "StatusCallback" not in fake.forms[0]


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"twilio_account_sid": None}, "FOLLOWUP_TWILIO_ACCOUNT_SID"),
        ({"twilio_auth_token": None}, "FOLLOWUP_TWILIO_AUTH_TOKEN"),
        ({"twilio_from_number": None}, "FOLLOWUP_TWILIO_FROM_NUMBER"),
    ],
)
def test_from_settings_names_the_missing_credential(values: dict[str, Any], variable: str) -> None:
    incomplete = settings().model_copy(update=values)  # Settings itself would refuse these
    with pytest.raises(ConfigError, match=variable):
        TwilioSMSChannel.from_settings(incomplete)


def test_the_channel_offers_a_lookup(channel: TwilioSMSChannel) -> None:
    assert isinstance(channel, LookupChannel)


def test_no_phone_number_or_body_reaches_the_logs(
    fake: FakeTwilio, channel: TwilioSMSChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # urllib3's own DEBUG lines quote request URLs (and so the To= filter of a lookup);
    # keeping urllib3 at INFO is the logging set-up's job, not the channel's.
    caplog.set_level(logging.INFO, logger="urllib3")
    since = datetime.now(UTC)
    channel.send(envelope("private words"))
    channel.find_sent(envelope("private words"), since)
    fake.fail_for(PATIENT, code=21211)
    failure(channel)

    assert PATIENT not in caplog.text and PATIENT[1:] not in caplog.text
    assert "private words" not in caplog.text


# -- refusals ------------------------------------------------------------------------------


def test_a_wrong_auth_token_is_a_permanent_error_not_a_crash(fake: FakeTwilio) -> None:
    sms = make_channel(fake.base_url, auth_token="not-the-token")
    try:
        error = failure(sms)
    finally:
        sms.close()

    assert error.permanent and not error.unreachable
    assert error.code == "20003"
    assert fake.messages == []


def test_rate_limiting_is_retryable_and_says_when_to_retry(
    fake: FakeTwilio, channel: TwilioSMSChannel
) -> None:
    fake.fail_next(1, status=429, retry_after=3)
    error = failure(channel)

    assert not error.permanent and not error.maybe_sent
    assert error.code == "20429"
    assert error.retry_after == 3.0
    assert channel.send(envelope()).provider_id  # the next attempt goes through


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_retryable(
    fake: FakeTwilio, channel: TwilioSMSChannel, status: int
) -> None:
    fake.fail_next(1, status=status)
    error = failure(channel)

    assert not error.permanent and not error.unreachable
    assert error.retry_after is None
    assert fake.messages == []


def test_an_unsubscribed_recipient_is_permanent_and_unreachable(
    fake: FakeTwilio, channel: TwilioSMSChannel
) -> None:
    fake.fail_next(1, status=400, code=21610)
    error = failure(channel)

    assert error.permanent and error.unreachable
    assert error.code == "21610"


def test_an_invalid_number_is_permanent_and_unreachable_and_not_quoted(
    fake: FakeTwilio, channel: TwilioSMSChannel
) -> None:
    fake.fail_for(PATIENT, status=400, code=21211)  # Twilio's message quotes the number
    error = failure(channel)

    assert error.permanent and error.unreachable
    assert error.code == "21211"
    assert PATIENT not in str(error) and error.__cause__ is None


def test_a_sender_problem_is_permanent_but_the_number_stays_usable(
    fake: FakeTwilio, channel: TwilioSMSChannel
) -> None:
    fake.fail_next(1, status=400, code=21606)  # 'From' cannot send to this destination
    error = failure(channel)

    assert error.permanent and not error.unreachable


def test_a_stopped_server_is_retryable_and_nothing_was_sent(fake: FakeTwilio) -> None:
    base_url = fake.base_url
    fake.stop()
    sms = make_channel(base_url)
    try:
        error = failure(sms)
    finally:
        sms.close()

    assert not error.permanent and not error.maybe_sent


def test_a_slow_answer_within_the_timeout_still_succeeds(
    fake: FakeTwilio, channel: TwilioSMSChannel
) -> None:
    fake.delay = 0.1
    assert channel.send(envelope()).provider_id


# -- uncertain sends and the lookup --------------------------------------------------------


def test_a_timeout_after_the_request_left_may_have_sent_and_find_sent_finds_it(
    fake: FakeTwilio,
) -> None:
    since = datetime.now(UTC)
    sms = make_channel(fake.base_url, timeout=0.2)
    fake.accept_then_hang(1, seconds=5)
    try:
        error = failure(sms)
        [stored] = fake.messages
        found = sms.find_sent(envelope(), since)
        other = sms.find_sent(envelope("A different message."), since)
    finally:
        sms.close()

    assert not error.permanent and error.maybe_sent
    assert found is not None and found.provider_id == stored["sid"]
    assert other is None


def test_find_sent_ignores_other_recipients_and_earlier_messages(
    fake: FakeTwilio, channel: TwilioSMSChannel
) -> None:
    channel.send(envelope())
    later = datetime.now(UTC) + timedelta(seconds=2)
    other_patient = Envelope(message_id=43, channel="sms", to="+15557654321", text="Hello")
    channel.send(other_patient)

    assert channel.find_sent(envelope(), later) is None
    assert (
        channel.find_sent(
            Envelope(message_id=44, channel="sms", to=PATIENT, text="Hello"),
            datetime.now(UTC) - timedelta(minutes=1),
        )
        is None
    )


def test_find_sent_pages_through_many_messages(fake: FakeTwilio, channel: TwilioSMSChannel) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    first = channel.send(envelope("The first message."))
    for number in range(60):  # more than one page of 50, newest first
        channel.send(envelope(f"Filler {number}"))

    found = channel.find_sent(envelope("The first message."), since)
    assert found == first


def test_a_failed_lookup_is_retryable(fake: FakeTwilio, channel: TwilioSMSChannel) -> None:
    fake.fail_next(1, status=500)
    with pytest.raises(ChannelError) as caught:
        channel.find_sent(envelope(), datetime.now(UTC))
    assert not caught.value.permanent


def test_the_sdk_sends_date_sent_after_as_an_inclusive_lower_bound(
    fake: FakeTwilio, channel: TwilioSMSChannel
) -> None:
    receipt = channel.send(envelope())
    sent = parsedate_to_datetime(fake.messages[0]["date_sent"])  # whole seconds, like the SDK
    assert channel.find_sent(envelope(), sent) == receipt


# -- Retry-After ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("1.5", 1.5), ("-3", 0.0), ("", None), (None, None), ("soon", None)],
)
def test_retry_after_reads_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_reads_an_http_date() -> None:
    in_a_minute = (datetime.now(UTC) + timedelta(seconds=60)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    seconds = parse_retry_after(in_a_minute)
    assert seconds is not None and 55 <= seconds <= 60
