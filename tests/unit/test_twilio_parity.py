"""Where the webhooks do without the twilio SDK for speed, they give what the SDK gives:
TwiML as its MessagingResponse writes it, signatures as its RequestValidator computes them."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from followup.web.twilio import signature_of, twiml

# Any text a template or a patient could put in a reply, bar what XML cannot carry at all.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), min_codepoint=9), max_size=200)


@given(reply=TEXT, callback=st.one_of(st.none(), TEXT))
@example(reply='Call <988> & say "help"\r\n\tnow', callback='https://x.org/s?reply=1&a="b"\n')
@example(reply="", callback=None)
def test_twiml_matches_twilios_messaging_response(reply: str, callback: str | None) -> None:
    expected = MessagingResponse()
    if reply:
        expected.message(reply, status_callback=callback or None)
    assert twiml(reply, callback) == str(expected)


@given(
    token=st.text(min_size=1, max_size=40),
    url=TEXT,
    form=st.dictionaries(TEXT, TEXT, max_size=12),
)
@example(token="t", url="https://x.org/twilio/sms?a=1", form={"Body": "é ✓", "From": "+1"})
def test_the_signature_is_the_sdks(token: str, url: str, form: dict[str, str]) -> None:
    validator = RequestValidator(token)
    expected = validator.compute_signature(url, form)
    assert signature_of(validator.token, url, form) == expected.encode()
