"""Sign-in limits over real HTTP: one answer for every refusal, a window per address and per
account, a lock the clinician's own browser gets past, every failure audited, and Argon2
kept off the event loop in a pool of its own."""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.db.models import AuditEvent
from followup.protocol import Protocol
from followup.staff import LOCK_AFTER, add_staff, disable_staff, set_password, unlock_staff
from followup.web.auth import ADDRESS_LIMIT, HASHING_NICE, HASHING_THREADS
from tests.integration.test_staff_web import PASSWORD, Site, serve

ADMIN, NURSE = "admin@example.org", "nurse@example.org"
REFUSED = "Wrong email or password."
_VERIFY, _HASH = PasswordHasher.verify, PasswordHasher.hash


@dataclass
class Argon2Calls:
    """Every Argon2 verification and hash the app runs: where, and how many at once."""

    calls: int = 0
    on_event_loop: int = 0
    running: int = 0
    most_at_once: int = 0
    hold: float = 0.0  # seconds each call is stretched by, so overlaps show
    threads: set[tuple[str, int]] = field(default_factory=set)  # (name, nice) of each
    lock: threading.Lock = field(default_factory=threading.Lock)

    def around(self, original: Any, *args: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop = True  # called from a coroutine: the loop waits for it
        except RuntimeError:
            on_loop = False
        nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        with self.lock:
            self.threads.add((threading.current_thread().name.split("_")[0], nice))
            self.calls += 1
            self.on_event_loop += on_loop
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(self.hold)
            return original(*args)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def argon2() -> Iterator[Argon2Calls]:
    """The one seam mocked: PasswordHasher's two methods, wrapped, still doing the work."""
    spy = Argon2Calls()
    with (
        mock.patch.object(
            PasswordHasher, "verify", autospec=True, side_effect=lambda *a: spy.around(_VERIFY, *a)
        ),
        mock.patch.object(
            PasswordHasher, "hash", autospec=True, side_effect=lambda *a: spy.around(_HASH, *a)
        ),
    ):
        yield spy


@pytest.fixture
def site(engine: Engine, protocol: Protocol) -> Iterator[Site]:
    now = datetime.now(UTC)
    add_staff(engine, ADMIN, "admin", PASSWORD, now)
    add_staff(engine, NURSE, "clinician", PASSWORD, now)
    yield from serve(engine, protocol, "http://127.0.0.1")


def error_of(page: str) -> str:
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    assert match, page
    return match.group(1)


def lock(site: Site, email: str) -> None:
    """An attacker's wrong passwords, each from an address of its own."""
    for n in range(LOCK_AFTER):
        status, _, _ = site.browser(f"203.0.113.{n + 1}").sign_in(email, f"guess number {n}")
        assert status == 401


def audit_rows(site: Site, prefix: str = "staff.sign_in") -> list[AuditEvent]:
    with Session(site.engine) as session:
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    return [e for e in rows if e.action.startswith(prefix)]


def test_every_refusal_answers_the_same_words_after_one_argon2_check(
    site: Site, argon2: Argon2Calls
) -> None:
    now = datetime.now(UTC)
    add_staff(site.engine, "locked@example.org", "clinician", PASSWORD, now)
    add_staff(site.engine, "gone@example.org", "clinician", PASSWORD, now)
    disable_staff(site.engine, "gone@example.org", "cli", now)
    lock(site, "locked@example.org")
    cases = {
        "unknown email": ("nobody@example.org", PASSWORD),
        "disabled account": ("gone@example.org", PASSWORD),
        "locked account, right password": ("locked@example.org", PASSWORD),
        "wrong password": (NURSE, "not the password"),
    }
    browsers = {case: site.browser("198.51.100.9") for case in cases}
    forms = {
        case: {"csrf_token": browsers[case].csrf(), "email": email, "password": password}
        for case, (email, password) in cases.items()
    }
    took: dict[str, list[float]] = {case: [] for case in cases}
    for _ in range(5):  # the cases in turn, so that each meets the machine's load alike
        for case in cases:
            before = argon2.calls
            started = time.perf_counter()
            status, _, page = browsers[case].request("POST", "/staff/sign-in", forms[case])
            took[case].append(time.perf_counter() - started)
            assert (status, error_of(page)) == (401, REFUSED), case
            assert argon2.calls - before == 1, case  # one verification, whatever the case
    # The same work, so about the same time (loosely: the machine is shared).
    best = {case: min(times) for case, times in took.items()}
    assert max(best.values()) < 3 * min(best.values()), took


def test_every_failure_and_lockout_is_audited_with_its_address_never_the_password(
    site: Site,
) -> None:
    site.browser("198.51.100.7").sign_in("Someone.Else@example.org", "typed by a stranger")
    lock(site, NURSE)
    failed = audit_rows(site, "staff.sign_in_failed")
    assert len(failed) == 1 + LOCK_AFTER
    assert (failed[0].actor, failed[0].record_id) == ("address:198.51.100.7", "unknown")
    assert failed[0].after == '{"address": "198.51.100.7", "reason": "unknown email"}'
    assert {e.after for e in failed[1:]} == {
        f'{{"address": "203.0.113.{n + 1}", "reason": "wrong password"}}' for n in range(LOCK_AFTER)
    }
    [locked] = audit_rows(site, "staff.sign_in_locked")
    assert locked.actor == f"address:203.0.113.{LOCK_AFTER}" and '"failures": 10' in (
        locked.after or ""
    )
    for event in audit_rows(site):
        text = f"{event.actor} {event.record_id} {event.before} {event.after}".lower()
        assert "guess number" not in text and "stranger" not in text and "someone" not in text


def test_an_address_over_its_limit_waits_and_costs_no_password_check(
    site: Site, argon2: Argon2Calls
) -> None:
    nurse = site.browser("198.51.100.20")
    assert nurse.sign_in(NURSE, PASSWORD)[0] == 303  # her browser, marked
    attacker = site.browser("192.0.2.66")
    for n in range(ADDRESS_LIMIT):
        assert attacker.sign_in(f"user{n}@example.org", "spraying passwords")[0] == 401
    before = argon2.calls
    for _ in range(3):
        status, headers, page = attacker.sign_in(NURSE, PASSWORD)
        assert status == 429 and int(headers["retry-after"]) > 0
        assert "Too many failed sign-ins from this address" in error_of(page)
    assert site.browser("192.0.2.66").sign_in(ADMIN, PASSWORD)[0] == 429
    assert argon2.calls == before  # refused before any Argon2 work
    # Other addresses are not held back, and nor is a browser that signed in before.
    assert site.browser("198.51.100.21").sign_in(ADMIN, PASSWORD)[0] == 303
    nurse.headers["X-Forwarded-For"] = "192.0.2.66"
    assert nurse.sign_in(NURSE, PASSWORD)[0] == 303
    [stopped] = audit_rows(site, "staff.sign_in_throttled")  # once, not per refused try
    assert (stopped.actor, stopped.record_type, stopped.record_id) == (
        "address:192.0.2.66",
        "address",
        "192.0.2.66",
    )


def test_an_attacker_cannot_lock_the_clinician_out_of_the_browser_she_uses(site: Site) -> None:
    own = site.browser("198.51.100.30")
    assert own.sign_in(NURSE, PASSWORD)[0] == 303
    lock(site, NURSE)
    # A browser the account never signed in from waits, told nothing more.
    status, _, page = site.browser("198.51.100.31").sign_in(NURSE, PASSWORD)
    assert (status, error_of(page)) == (401, REFUSED)
    # Hers signs in (and is still checked: a wrong password is refused there too).
    assert own.sign_in(NURSE, "a wrong password")[0] == 401
    assert own.sign_in(NURSE, PASSWORD)[0] == 303
    assert own.request("GET", "/staff/")[0] == 200
    # Anywhere else, an admin's unlock is the way back before the window runs out.
    lock(site, NURSE)
    assert site.browser("198.51.100.32").sign_in(NURSE, PASSWORD)[0] == 401
    unlock_staff(site.engine, NURSE, ADMIN, datetime.now(UTC))
    assert site.browser("198.51.100.32").sign_in(NURSE, PASSWORD)[0] == 303


def test_a_browsers_mark_is_worth_nothing_once_the_password_changes(site: Site) -> None:
    old = site.browser("198.51.100.40")
    assert old.sign_in(NURSE, PASSWORD)[0] == 303
    lock(site, NURSE)
    assert old.sign_in(NURSE, PASSWORD)[0] == 303  # the mark lets her past the lock
    set_password(site.engine, NURSE, "a brand new passphrase", ADMIN, datetime.now(UTC))
    lock(site, NURSE)
    assert old.sign_in(NURSE, "a brand new passphrase")[0] == 401
    forged = site.browser("198.51.100.41")
    forged.cookies = old.cookies  # the same mark, presented by another client
    assert forged.sign_in(NURSE, "a brand new passphrase")[0] == 401


def test_argon2_runs_off_the_event_loop_and_never_more_than_the_pool_at_once(
    site: Site, argon2: Argon2Calls
) -> None:
    sam = add_staff(site.engine, "sam@example.org", "clinician", PASSWORD, datetime.now(UTC))
    admin, nurse = site.browser("198.51.100.50"), site.browser("198.51.100.51")
    assert admin.sign_in(ADMIN, PASSWORD)[0] == 303
    assert nurse.sign_in(NURSE, PASSWORD)[0] == 303
    people, admin_token = "/staff/people", admin.csrf("/staff/people")
    nurse_token = nurse.csrf("/staff/password")
    strangers = [site.browser(f"192.0.2.{n}") for n in range(1, 5)]
    tokens = [s.csrf() for s in strangers]
    for browser in (admin, nurse, *strangers):
        browser.timeout = 120  # seven Argon2 runs in one thread, on a machine maybe busy
    argon2.calls, argon2.on_event_loop, argon2.most_at_once = 0, 0, 0
    argon2.threads.clear()
    argon2.hold = 0.02

    def wrong(n: int) -> int:
        form = {"csrf_token": tokens[n], "email": ADMIN, "password": f"wrong {n}", "next": ""}
        return strangers[n].request("POST", "/staff/sign-in", form)

    with ThreadPoolExecutor(12) as pool:
        jobs = [pool.submit(wrong, n) for n in range(4)]
        jobs.append(
            pool.submit(
                admin.request,
                "POST",
                people,
                {"csrf_token": admin_token, "email": "pat@example.org", "role": "clinician"},
            )
        )
        jobs.append(
            pool.submit(
                admin.request,
                "POST",
                f"{people}/{sam.id}/password",
                {"csrf_token": admin_token, "password": ""},
            )
        )
        jobs.append(
            pool.submit(
                nurse.request,
                "POST",
                "/staff/password",
                {"csrf_token": nurse_token, "current": PASSWORD, "new": "a brand new passphrase"},
            )
        )
        results = [job.result() for job in jobs]
    assert [r[0] for r in results] == [401] * 4 + [201, 200, 303]  # added, reset, changed
    assert argon2.calls >= 8  # 4 verifications, 2 hashes, a verification and a hash
    assert argon2.on_event_loop == 0
    assert 1 <= argon2.most_at_once <= HASHING_THREADS
    # Threads of their own, which give way to the webhooks when the machine is busy.
    process_nice = os.getpriority(os.PRIO_PROCESS, 0)
    assert argon2.threads == {("followup-argon2", min(19, process_nice + HASHING_NICE))}
