"""A patient's crisis reply never waits behind a sign-in: real HTTP, real Argon2, clients
posting wrong passwords as fast as they are answered while a patient texts."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from followup.staff import add_staff
from followup.staff.passwords import DUMMY_HASH, verify
from tests.integration.test_staff_web import Browser
from tests.integration.test_webhooks import Server, server

__all__ = ["server"]  # the fixture: a web app with Twilio's webhooks and a patient

STORM_CLIENTS = 4
CRISES = 20


def storm(base: str, stop: threading.Event, client: int, count: list[int]) -> None:
    """Unknown emails, one after another, each from a new address: no limit or lock cuts
    them short, so every one costs an Argon2 verification (of the dummy hash)."""
    browser = Browser(base)
    token = browser.csrf()
    # The app's public address is https, so the cookie is Secure and a cookie jar keeps it
    # from plain http; sent by hand, as a TLS proxy in front would pass it on.
    browser.headers["Cookie"] = f"followup_session={browser.cookie('followup_session')}"
    n = 0
    while not stop.is_set():
        n += 1
        browser.headers["X-Forwarded-For"] = f"10.{client}.{n // 250}.{n % 250 + 1}"
        form = {"csrf_token": token, "email": f"x{client}.{n}@example.org", "password": "guess"}
        browser.request("POST", "/staff/sign-in", form)
        count[client] += 1


def verify_seconds() -> float:
    """What one Argon2 verification takes on this machine now (the best of three)."""
    took = []
    for _ in range(3):
        started = time.perf_counter()
        verify(DUMMY_HASH, "a guess")
        took.append(time.perf_counter() - started)
    return min(took)


def test_a_crisis_reply_is_answered_at_once_while_clients_storm_the_sign_in(
    server: Server,
) -> None:
    add_staff(
        server.engine, "nurse@example.org", "clinician", "correct horse battery", datetime.now(UTC)
    )
    quiet = []
    for n in range(5):
        started = time.perf_counter()
        assert server.sms("I want to kill myself", f"SMquiet{n}")[0] == 200
        quiet.append(time.perf_counter() - started)
    stop, count = threading.Event(), [0] * STORM_CLIENTS
    clients = [
        threading.Thread(target=storm, args=(server.base, stop, c, count), daemon=True)
        for c in range(STORM_CLIENTS)
    ]
    for client in clients:
        client.start()
    try:
        time.sleep(1)  # the storm is on: every client has a sign-in waiting
        took = []
        for n in range(CRISES):
            started = time.perf_counter()
            status, body = server.sms("I want to kill myself", f"SMstorm{n}")
            took.append(time.perf_counter() - started)
            assert status == 200 and "988" in body
            time.sleep(0.05)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)
    took.sort()
    argon2 = max(verify_seconds(), 0.1)  # at least 100 ms: scheduling noise on a busy machine
    assert all(count), count  # the sign-ins really were running meanwhile
    # Argon2 on the event loop made every reply wait behind the sign-ins queued there:
    # several verifications' time (1 to 2 s). Off the loop, a reply waits for none.
    assert took[len(took) // 2] < argon2, (took, quiet, argon2, count)
    assert took[int(len(took) * 0.9)] < 2 * argon2, (took, quiet, argon2, count)
