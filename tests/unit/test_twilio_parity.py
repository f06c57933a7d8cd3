"""Our TwiML string is what twilio's own MessagingResponse writes, whatever the reply says."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse

from followup.web.twilio import twiml

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
