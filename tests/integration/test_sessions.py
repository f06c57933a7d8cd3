"""Staff sessions that end: kept in the database, ended at once by sign-out and by a new
password, role or disabled account, and by idleness and age; the CSRF token kept out of
the cookie. Over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from followup.db.models import AuditEvent, StaffSession, StaffUser
from followup.protocol import Protocol
from followup.staff import add_staff
from tests.integration.test_staff_web import PASSWORD, Browser, Site, serve

ADMIN, NURSE = "admin@example.org", "nurse@example.org"
NEW_PASSWORD = "a brand new passphrase"
SESSION_COOKIE = "followup_session"


@pytest.fixture
def site(engine: Engine, protocol: Protocol) -> Iterator[Site]:
    now = datetime.now(UTC)
    add_staff(engine, ADMIN, "admin", PASSWORD, now)
    add_staff(engine, NURSE, "clinician", PASSWORD, now)
    yield from serve(engine, protocol, "http://127.0.0.1", session_idle_minutes=10)


def signed_in(site: Site, email: str, password: str = PASSWORD) -> Browser:
    browser = site.browser()
    status, _, page = browser.sign_in(email, password)
    assert status == 303, page
    assert browser.request("GET", "/staff/")[0] == 200
    return browser


def is_signed_in(browser: Browser) -> bool:
    status, headers, _ = browser.request("GET", "/staff/")
    assert status == 200 or headers["location"].startswith("/staff/sign-in"), status
    return status == 200


def copy_of(site: Site, browser: Browser) -> Browser:
    """Another client holding a copy of this browser's cookies."""
    thief = site.browser()
    browser.copy_cookies_to(thief)
    assert is_signed_in(thief)
    return thief


def user_id(site: Site, email: str) -> int:
    with Session(site.engine) as session:
        found = session.exec(select(StaffUser.id).where(StaffUser.email == email)).one()
    assert found is not None
    return found


def sessions_of(site: Site, email: str) -> list[StaffSession]:
    with Session(site.engine) as session:
        return list(
            session.exec(
                select(StaffSession).where(StaffSession.staff_id == user_id(site, email))
            ).all()
        )


def cookie_payload(browser: Browser) -> dict[str, object]:
    """What anyone holding the session cookie can read: it is signed, not encrypted."""
    value = browser.cookie(SESSION_COOKIE)
    assert value
    data = value.split(".")[0]
    payload: dict[str, object] = json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))
    return payload


def form_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def test_the_csrf_token_is_nowhere_in_the_cookie(site: Site) -> None:
    browser = site.browser()
    _, _, page = browser.request("GET", "/staff/sign-in")
    before = form_token(page)
    assert before not in json.dumps(cookie_payload(browser))
    browser.sign_in(NURSE, PASSWORD)
    _, _, page = browser.request("GET", "/staff/")
    token = form_token(page)
    payload = json.dumps(cookie_payload(browser))
    assert token not in payload and "csrf" not in payload
    assert token != before  # a new one with the new session
    # The session's id is in the cookie; the database keeps only its SHA-256.
    [row] = sessions_of(site, NURSE)
    assert row.token_hash not in payload and len(row.token_hash) == 64


def test_a_copied_cookie_gets_the_sign_in_page_after_sign_out(site: Site) -> None:
    nurse = signed_in(site, NURSE)
    thief = copy_of(site, nurse)
    status, _, _ = nurse.request("POST", "/staff/sign-out", {"csrf_token": nurse.csrf("/staff/")})
    assert status == 303
    status, headers, _ = thief.request("GET", "/staff/inbox")
    assert status == 303 and headers["location"] == "/staff/sign-in?next=/staff/inbox"
    assert sessions_of(site, NURSE) == []


def test_signing_out_ends_every_session_of_the_person_and_nobody_elses(site: Site) -> None:
    desk, phone, admin = signed_in(site, NURSE), signed_in(site, NURSE), signed_in(site, ADMIN)
    assert len(sessions_of(site, NURSE)) == 2
    desk.request("POST", "/staff/sign-out", {"csrf_token": desk.csrf("/staff/")})
    assert not is_signed_in(desk) and not is_signed_in(phone)
    assert is_signed_in(admin)


def test_changing_ones_password_ends_every_other_session_and_keeps_this_browser(
    site: Site,
) -> None:
    desk, phone = signed_in(site, NURSE), signed_in(site, NURSE)
    thief = copy_of(site, desk)
    token = desk.csrf("/staff/password")
    status, _, page = desk.request(
        "POST", "/staff/password", {"csrf_token": token, "current": "wrong one", "new": "x" * 14}
    )
    assert status == 400 and "The current password is wrong." in page
    assert is_signed_in(phone)  # a refused change ends nothing
    status, headers, _ = desk.request(
        "POST",
        "/staff/password",
        {"csrf_token": token, "current": PASSWORD, "new": NEW_PASSWORD},
    )
    assert status == 303 and headers["location"] == "/staff/password?changed=1"
    _, _, page = desk.request("GET", "/staff/password?changed=1")
    assert "Your password is changed" in page
    assert is_signed_in(desk)
    assert not is_signed_in(phone) and not is_signed_in(thief)
    assert len(sessions_of(site, NURSE)) == 1
    assert site.browser().sign_in(NURSE, PASSWORD)[0] == 401
    assert site.browser().sign_in(NURSE, NEW_PASSWORD)[0] == 303
    with Session(site.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
    assert actions[-3:-1] == ["staff.change_password_refused", "staff.change_password"]


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("password", {"password": NEW_PASSWORD}),
        ("password", {"password": ""}),  # a generated one
        ("role", {"role": "admin"}),
        ("disable", {}),
    ],
)
def test_an_admins_reset_role_change_or_disabling_ends_the_persons_sessions_at_once(
    site: Site, path: str, form: dict[str, str]
) -> None:
    admin, desk, phone = signed_in(site, ADMIN), signed_in(site, NURSE), signed_in(site, NURSE)
    thief = copy_of(site, desk)
    people = "/staff/people"
    status, _, page = admin.request(
        "POST",
        f"{people}/{user_id(site, NURSE)}/{path}",
        {"csrf_token": admin.csrf(people), **form},
    )
    assert status in (200, 303), page
    for browser in (desk, phone, thief):
        status, headers, _ = browser.request("GET", "/staff/today")
        assert status == 303 and headers["location"].startswith("/staff/sign-in")
    assert sessions_of(site, NURSE) == [] and is_signed_in(admin)


def test_an_admin_who_resets_their_own_password_stays_signed_in_here_only(site: Site) -> None:
    admin, other = signed_in(site, ADMIN), signed_in(site, ADMIN)
    people = "/staff/people"
    status, _, _ = admin.request(
        "POST",
        f"{people}/{user_id(site, ADMIN)}/password",
        {"csrf_token": admin.csrf(people), "password": NEW_PASSWORD},
    )
    assert status == 303
    assert is_signed_in(admin) and not is_signed_in(other)


def age(site: Site, email: str, *, idle: timedelta, since_sign_in: timedelta) -> None:
    """Move the person's sessions back in time, as if they had been left so long."""
    now = datetime.now(UTC)
    with Session(site.engine) as session:
        session.exec(
            update(StaffSession)
            .where(col(StaffSession.staff_id) == user_id(site, email))
            .values(last_seen_at=now - idle, created_at=now - since_sign_in)
        )
        session.commit()


def test_a_session_ends_after_the_idle_minutes_set(site: Site) -> None:
    # The site's FOLLOWUP_SESSION_IDLE_MINUTES is 10.
    browser = signed_in(site, NURSE)
    age(site, NURSE, idle=timedelta(minutes=9), since_sign_in=timedelta(hours=1))
    assert is_signed_in(browser)  # and that request was use: the clock starts again
    [row] = sessions_of(site, NURSE)
    assert datetime.now(UTC) - row.last_seen_at < timedelta(minutes=1)
    age(site, NURSE, idle=timedelta(minutes=10, seconds=5), since_sign_in=timedelta(hours=1))
    assert not is_signed_in(browser)
    assert sessions_of(site, NURSE) == []


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(site: Site) -> None:
    browser = signed_in(site, NURSE)
    age(site, NURSE, idle=timedelta(0), since_sign_in=timedelta(hours=11, minutes=59))
    assert is_signed_in(browser)
    age(site, NURSE, idle=timedelta(0), since_sign_in=timedelta(hours=12, seconds=1))
    assert not is_signed_in(browser)


def test_the_alerts_pages_own_polling_does_not_keep_a_session_awake(site: Site) -> None:
    browser = signed_in(site, NURSE)
    age(site, NURSE, idle=timedelta(minutes=9), since_sign_in=timedelta(hours=1))
    status, _, body = browser.request("GET", "/staff/alerts/poll")
    assert status == 200 and "stamp" in body
    [row] = sessions_of(site, NURSE)
    assert datetime.now(UTC) - row.last_seen_at > timedelta(minutes=8)  # not moved
    age(site, NURSE, idle=timedelta(minutes=11), since_sign_in=timedelta(hours=1))
    status, headers, _ = browser.request("GET", "/staff/alerts/poll")
    assert status == 303 and headers["location"].startswith("/staff/sign-in")
