"""Admins manage staff at /staff/people, over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.db.models import AuditEvent, StaffUser
from followup.protocol import Protocol
from followup.staff import (
    LOCK_AFTER,
    StaffError,
    add_staff,
    disable_staff,
    set_role,
)
from tests.integration.test_staff_web import PASSWORD, Browser, Site, serve

ADMIN, NURSE = "admin@example.org", "nurse@example.org"
NEW_PASSWORD = "a brand new passphrase"
PEOPLE = "/staff/people"


@dataclass
class People:
    """The running site with an admin and a clinician, and ways to look behind it."""

    site: Site

    def signed_in(self, email: str, password: str = PASSWORD) -> Browser:
        browser = self.site.browser()
        status, _, page = browser.sign_in(email, password)
        assert status == 303, page
        return browser

    def can_sign_in(self, email: str, password: str) -> bool:
        status, _, _ = self.site.browser().sign_in(email, password)
        assert status in (303, 401), status
        return status == 303

    def user(self, email: str) -> StaffUser:
        with Session(self.site.engine) as session:
            user = session.exec(select(StaffUser).where(StaffUser.email == email)).one()
        return user

    def events(self) -> list[AuditEvent]:
        with Session(self.site.engine) as session:
            return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())


@pytest.fixture
def people(engine: Engine, protocol: Protocol) -> Iterator[People]:
    now = datetime.now(UTC)
    add_staff(engine, ADMIN, "admin", PASSWORD, now)
    add_staff(engine, NURSE, "clinician", PASSWORD, now)
    for site in serve(engine, protocol, "http://127.0.0.1"):
        yield People(site)


def post(browser: Browser, path: str, **fields: str) -> tuple[int, dict[str, str], str]:
    """A form post from the staff page, carrying the session's CSRF token."""
    return browser.request("POST", path, {"csrf_token": browser.csrf(PEOPLE), **fields})


def done(browser: Browser, response: tuple[int, dict[str, str], str]) -> str:
    """The notice on the page a successful post redirects to."""
    status, headers, page = response
    assert status == 303 and headers["location"] == PEOPLE, (status, page)
    status, _, page = browser.request("GET", PEOPLE)
    assert status == 200
    match = re.search(r'<p class="notice ok" role="status">(.*?)</p>', page, re.S)
    assert match, page
    return html.unescape(match.group(1))


def refusal(response: tuple[int, dict[str, str], str], status: int = 400) -> str:
    """The error a refused post shows on the page."""
    got, _, page = response
    assert got == status, (got, page)
    match = re.search(r'<p class="notice error" role="alert">(.*?)</p>', page, re.S)
    assert match, page
    return html.unescape(match.group(1))


def row_of(page: str, email: str) -> str:
    match = re.search(rf'<tr data-staff="{re.escape(email)}".*?</tr>', page, re.S)
    assert match, email
    return match.group(0)


def shown_password(response: tuple[int, dict[str, str], str], status: int) -> str:
    """The generated password on the page answering the post, which no cache may keep."""
    got, headers, page = response
    assert got == status and headers["cache-control"] == "no-store", (got, page)
    assert "shown only this once" in page
    match = re.search(r'<code class="token" id="new-password">([a-z0-9-]+)</code>', page)
    assert match, page
    return match.group(1)


def test_clinicians_get_403_and_no_link(people: People) -> None:
    nurse = people.signed_in(NURSE)
    assert nurse.request("GET", PEOPLE)[0] == 403
    csrf = nurse.csrf("/staff/")
    admin_id = people.user(ADMIN).id
    assert (
        nurse.request(
            "POST",
            PEOPLE,
            {"csrf_token": csrf, "email": "x@example.org", "role": "admin", "password": ""},
        )[0]
        == 403
    )
    for action in ("role", "disable", "enable", "unlock", "password"):
        form = {"csrf_token": csrf, "role": "clinician", "password": NEW_PASSWORD}
        assert nurse.request("POST", f"{PEOPLE}/{admin_id}/{action}", form)[0] == 403
    _, _, home = nurse.request("GET", "/staff/")
    assert 'href="/staff/people"' not in home
    _, _, home = people.signed_in(ADMIN).request("GET", "/staff/")
    assert 'href="/staff/people">Staff</a>' in home
    assert [e.action for e in people.events()] == ["staff.add", "staff.add"]  # the fixture's
    assert people.user(ADMIN).role == "admin" and people.can_sign_in(ADMIN, PASSWORD)


def test_the_list_shows_role_last_sign_in_lock_and_disabled(people: People) -> None:
    admin = people.signed_in(ADMIN)
    status, _, page = admin.request("GET", PEOPLE)
    assert status == 200 and "2 accounts" in page
    me, nurse = row_of(page, ADMIN), row_of(page, NURSE)
    assert '<td class="role">admin</td>' in me and ">you<" in me
    assert "never" not in me and "<time" in me  # signed in just now
    assert '<td class="role">clinician</td>' in nurse and "never" in nurse
    # Nobody is offered disabling or demoting themself.
    assert "/disable" not in me and "/role" not in me
    assert f"{PEOPLE}/{people.user(NURSE).id}/disable" in nurse


def test_an_admin_adds_a_clinician_who_can_then_sign_in(people: People) -> None:
    admin = people.signed_in(ADMIN)
    notice = done(
        admin,
        post(admin, PEOPLE, email=" Pat@Example.org ", role="clinician", password=NEW_PASSWORD),
    )
    assert notice.startswith("pat@example.org added as clinician")
    assert people.user("pat@example.org").role == "clinician"
    assert people.can_sign_in("pat@example.org", NEW_PASSWORD)

    # A blank password is generated and shown this once; it works, and is never shown again.
    response = post(admin, PEOPLE, email="sam@example.org", role="admin", password="")
    generated = shown_password(response, 201)
    assert len(generated) >= 12 and "sam@example.org added" in response[2]
    assert people.can_sign_in("sam@example.org", generated)
    _, _, listing = admin.request("GET", PEOPLE)
    assert generated not in listing and '<td class="role">admin</td>' in row_of(
        listing, "sam@example.org"
    )

    # Refusals say why and keep what was typed, except the password.
    message = refusal(post(admin, PEOPLE, email=NURSE, role="clinician", password=NEW_PASSWORD))
    assert message == f"{NURSE} already has an account."
    response = post(admin, PEOPLE, email="kim@example.org", role="admin", password="short")
    assert "at least 12 characters" in refusal(response)
    assert 'value="kim@example.org"' in response[2] and "short" not in response[2]
    response = post(admin, PEOPLE, email="kim@example.org", role="admin", password="Summer2025!!")
    assert "too easy to guess" in refusal(response)
    response = post(admin, f"{PEOPLE}/{people.user(NURSE).id}/password", password="p@ssw0rd1234")
    assert "too easy to guess" in refusal(response)
    response = post(admin, PEOPLE, email="kim@example.org", role="boss", password=NEW_PASSWORD)
    assert "Role 'boss'" in refusal(response)
    assert "is not an email address" in refusal(
        post(admin, PEOPLE, email="kim at example.org", role="admin", password=NEW_PASSWORD)
    )
    assert not people.can_sign_in("kim@example.org", NEW_PASSWORD)


def test_a_role_change_ends_the_persons_sessions_and_holds_from_their_next_sign_in(
    people: People,
) -> None:
    admin, nurse = people.signed_in(ADMIN), people.signed_in(NURSE)
    nurse_id = people.user(NURSE).id
    assert nurse.request("GET", PEOPLE)[0] == 403
    assert done(admin, post(admin, f"{PEOPLE}/{nurse_id}/role", role="admin")) == (
        f"{NURSE} is now admin. Their sessions have ended: they sign in again."
    )
    status, headers, _ = nurse.request("GET", PEOPLE)  # the open session ended with it
    assert status == 303 and headers["location"].startswith("/staff/sign-in")
    assert people.signed_in(NURSE).request("GET", PEOPLE)[0] == 200
    assert done(admin, post(admin, f"{PEOPLE}/{nurse_id}/role", role="clinician")).startswith(
        f"{NURSE} is now clinician."
    )
    assert people.signed_in(NURSE).request("GET", PEOPLE)[0] == 403
    assert "Role 'owner'" in refusal(post(admin, f"{PEOPLE}/{nurse_id}/role", role="owner"))
    assert (
        "no staff account has id 9999"
        in refusal(post(admin, f"{PEOPLE}/9999/role", role="admin"), 404).lower()
    )


def test_disabling_ends_an_open_session_and_blocks_sign_in_until_enabled(
    people: People,
) -> None:
    admin, nurse = people.signed_in(ADMIN), people.signed_in(NURSE)
    nurse_id = people.user(NURSE).id
    assert nurse.request("GET", "/staff/")[0] == 200
    notice = done(admin, post(admin, f"{PEOPLE}/{nurse_id}/disable"))
    assert notice.startswith(f"{NURSE} is disabled")

    status, headers, _ = nurse.request("GET", "/staff/")
    assert status == 303 and headers["location"].startswith("/staff/sign-in")
    status, headers, _ = nurse.request("GET", "/staff/")  # the session was cleared too
    assert status == 303 and headers["location"].startswith("/staff/sign-in")
    assert not people.can_sign_in(NURSE, PASSWORD)
    _, _, listing = admin.request("GET", PEOPLE)
    assert "disabled</span>" in row_of(listing, NURSE)
    assert f"{PEOPLE}/{nurse_id}/enable" in row_of(listing, NURSE)

    assert done(admin, post(admin, f"{PEOPLE}/{nurse_id}/enable")) == (
        f"{NURSE} can sign in again."
    )
    assert people.user(NURSE).disabled_at is None
    assert people.signed_in(NURSE).request("GET", "/staff/")[0] == 200


def test_unlocking_lets_a_locked_person_sign_in(people: People) -> None:
    for attempt in range(LOCK_AFTER):
        assert not people.can_sign_in(NURSE, f"wrong password {attempt}")
    assert not people.can_sign_in(NURSE, PASSWORD)  # locked: even the right one waits
    admin = people.signed_in(ADMIN)
    _, _, listing = admin.request("GET", PEOPLE)
    row = row_of(listing, NURSE)
    assert "locked</span> until" in row and f"{LOCK_AFTER} wrong passwords" in row
    nurse_id = people.user(NURSE).id
    assert done(admin, post(admin, f"{PEOPLE}/{nurse_id}/unlock")).startswith(
        f"{NURSE} is unlocked"
    )
    user = people.user(NURSE)
    assert (user.failed_sign_ins, user.locked_until) == (0, None)
    assert people.can_sign_in(NURSE, PASSWORD)


def test_an_admin_sets_a_new_password_typed_or_generated(people: People) -> None:
    admin = people.signed_in(ADMIN)
    nurse_id = people.user(NURSE).id
    for attempt in range(LOCK_AFTER):  # a reset also ends a lockout
        people.can_sign_in(NURSE, f"wrong password {attempt}")

    notice = done(admin, post(admin, f"{PEOPLE}/{nurse_id}/password", password=NEW_PASSWORD))
    assert notice == f"{NURSE} has a new password. Hand it over. Their sessions have ended."
    assert NEW_PASSWORD not in notice
    assert not people.can_sign_in(NURSE, PASSWORD)
    assert people.can_sign_in(NURSE, NEW_PASSWORD)

    generated = shown_password(post(admin, f"{PEOPLE}/{nurse_id}/password", password=""), 200)
    assert not people.can_sign_in(NURSE, NEW_PASSWORD)
    assert people.can_sign_in(NURSE, generated)

    assert "at least 12 characters" in refusal(
        post(admin, f"{PEOPLE}/{nurse_id}/password", password="too short")
    )
    assert people.can_sign_in(NURSE, generated)


def test_nobody_disables_or_demotes_themself_or_the_last_enabled_admin(
    people: People,
) -> None:
    admin = people.signed_in(ADMIN)
    admin_id = people.user(ADMIN).id
    only = f"{ADMIN} is the only enabled admin: make another person an admin first."
    assert refusal(post(admin, f"{PEOPLE}/{admin_id}/role", role="clinician")) == only
    assert refusal(post(admin, f"{PEOPLE}/{admin_id}/disable")) == only

    # With a second admin, the rule that stops the first is about themself.
    add_staff(people.site.engine, "boss@example.org", "admin", PASSWORD, datetime.now(UTC))
    assert refusal(post(admin, f"{PEOPLE}/{admin_id}/role", role="clinician")) == (
        "You cannot change your own role; another admin can."
    )
    assert refusal(post(admin, f"{PEOPLE}/{admin_id}/disable")) == (
        "You cannot disable your own account; another admin can."
    )
    user = people.user(ADMIN)
    assert (user.role, user.disabled_at) == ("admin", None)

    # Another admin can be disabled while one stays; then the CLI cannot remove the last.
    boss_id = people.user("boss@example.org").id
    assert done(admin, post(admin, f"{PEOPLE}/{boss_id}/disable")).startswith("boss@")
    now = datetime.now(UTC)
    with pytest.raises(StaffError, match="the only enabled admin"):
        set_role(people.site.engine, ADMIN, "clinician", "cli", now)
    with pytest.raises(StaffError, match="the only enabled admin"):
        disable_staff(people.site.engine, ADMIN, "cli", now)
    # A disabled admin may be demoted: it leaves the enabled admins as they were.
    assert set_role(people.site.engine, boss_id or 0, "clinician", "cli", now).role == "clinician"
    assert people.signed_in(ADMIN).request("GET", PEOPLE)[0] == 200


def test_every_change_needs_the_csrf_token(people: People) -> None:
    admin = people.signed_in(ADMIN)
    nurse_id = people.user(NURSE).id
    posts = {
        PEOPLE: {"email": "pat@example.org", "role": "admin", "password": NEW_PASSWORD},
        f"{PEOPLE}/{nurse_id}/role": {"role": "admin"},
        f"{PEOPLE}/{nurse_id}/disable": {},
        f"{PEOPLE}/{nurse_id}/unlock": {},
        f"{PEOPLE}/{nurse_id}/password": {"password": NEW_PASSWORD},
    }
    for path, form in posts.items():
        assert admin.request("POST", path, form)[0] == 403, path
        assert admin.request("POST", path, {**form, "csrf_token": "forged"})[0] == 403, path
    user = people.user(NURSE)
    assert (user.role, user.disabled_at) == ("clinician", None)
    assert people.can_sign_in(NURSE, PASSWORD) and not people.can_sign_in(
        "pat@example.org", NEW_PASSWORD
    )
    changes = [e.action for e in people.events() if not e.action.startswith("staff.sign_in")]
    assert changes == ["staff.add", "staff.add"]


def test_every_change_is_audited_without_passwords_or_hashes(people: People) -> None:
    admin = people.signed_in(ADMIN)
    done(admin, post(admin, PEOPLE, email="pat@example.org", role="clinician", password=PASSWORD))
    pat = people.user("pat@example.org")
    for attempt in range(LOCK_AFTER):
        people.can_sign_in("pat@example.org", f"wrong password {attempt}")
    pat_path = f"{PEOPLE}/{pat.id}"
    done(admin, post(admin, f"{pat_path}/role", role="admin"))
    done(admin, post(admin, f"{pat_path}/disable"))
    done(admin, post(admin, f"{pat_path}/enable"))
    done(admin, post(admin, f"{pat_path}/unlock"))
    done(admin, post(admin, f"{pat_path}/password", password=NEW_PASSWORD))
    generated = shown_password(post(admin, f"{pat_path}/password", password=""), 200)
    # Changes that change nothing leave no row.
    done(admin, post(admin, f"{pat_path}/enable"))
    done(admin, post(admin, f"{pat_path}/unlock"))

    events = [e for e in people.events() if e.record_id == str(pat.id)]
    # The wrong passwords are there too, from the address they came from.
    failed = [(e.actor, e.action) for e in events if e.action.startswith("staff.sign_in")]
    assert failed == [("address:127.0.0.1", "staff.sign_in_failed")] * LOCK_AFTER + [
        ("address:127.0.0.1", "staff.sign_in_locked")
    ]
    events = [e for e in events if e.actor == ADMIN]
    assert [(e.actor, e.action, e.record_type) for e in events] == [
        (ADMIN, action, "staff_user")
        for action in (
            "staff.add",
            "staff.set_role",
            "staff.disable",
            "staff.enable",
            "staff.unlock",
            "staff.set_password",
            "staff.set_password",
        )
    ]
    add, role, disable, enable, unlock, password, _ = events
    assert (add.before, add.after) == (
        None,
        '{"email": "pat@example.org", "locations": "*", "role": "clinician"}',
    )
    assert (role.before, role.after) == ('{"role": "clinician"}', '{"role": "admin"}')
    assert disable.before == '{"disabled_at": null}' and enable.after == '{"disabled_at": null}'
    assert f'"failed_sign_ins": {LOCK_AFTER}' in (unlock.before or "")
    assert unlock.after == '{"failed_sign_ins": 0, "locked_until": null}'
    assert '"password_changed": true' in (password.after or "")

    final_hash = people.user("pat@example.org").password_hash
    secrets = (PASSWORD, NEW_PASSWORD, generated, final_hash, "$argon2")
    for event in people.events():
        text = f"{event.before} {event.after}"
        assert not any(secret in text for secret in secrets), event


def test_html_in_an_email_is_escaped(people: People) -> None:
    admin = people.signed_in(ADMIN)
    script = "<script>alert(1)</script>@example.org"
    response = post(admin, PEOPLE, email=script, role="clinician", password=NEW_PASSWORD)
    assert "is not an email address" in refusal(response)
    assert "<script>alert" not in response[2]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;@example.org" in response[2]

    # The CLI's looser check lets markup into an email: the page still shows it as text.
    odd = 'x"><b>bold</b>@example.org'
    add_staff(people.site.engine, odd, "clinician", PASSWORD, datetime.now(UTC))
    odd_id = people.user(odd).id
    status, _, listing = admin.request("GET", PEOPLE)
    assert status == 200 and "<b>bold</b>" not in listing
    assert 'data-staff="x&#34;&gt;&lt;b&gt;bold&lt;/b&gt;@example.org"' in listing
    status, _, page = admin.request(
        "POST", f"{PEOPLE}/{odd_id}/disable", {"csrf_token": admin.csrf(PEOPLE)}
    )
    assert status == 303
    _, _, page = admin.request("GET", PEOPLE)
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;@example.org is disabled" in page
