"""API tokens that end: an expiry chosen at creation, their creator's account, and the
tokens page showing both with the last use. Over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.db.models import ApiToken
from followup.protocol import Protocol
from followup.staff import (
    StaffError,
    add_staff,
    create_token,
    disable_staff,
    enable_staff,
)
from tests.integration.test_staff_web import PASSWORD, Site, serve

ADMIN, NURSE = "admin@example.org", "nurse@example.org"


@pytest.fixture
def site(engine: Engine, protocol: Protocol) -> Iterator[Site]:
    now = datetime.now(UTC)
    add_staff(engine, ADMIN, "admin", PASSWORD, now)
    add_staff(engine, NURSE, "admin", PASSWORD, now)
    yield from serve(engine, protocol, "http://127.0.0.1")


def api_status(site: Site, token: str) -> int:
    request = urllib.request.Request(
        site.base + "/api/patients", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code


def test_a_token_works_until_the_expiry_chosen_when_it_was_made(site: Site) -> None:
    now = datetime.now(UTC)
    fresh = create_token(site.engine, "made today", ADMIN, now)  # 90 days by default
    last_day = create_token(site.engine, "one day left", ADMIN, now - timedelta(days=29), 30)
    expired = create_token(site.engine, "ran out", ADMIN, now - timedelta(days=91))
    assert api_status(site, fresh) == 200 and api_status(site, last_day) == 200
    assert api_status(site, expired) == 401
    with Session(site.engine) as session:
        made = session.exec(select(ApiToken).where(ApiToken.name == "made today")).one()
    assert made.expires_at - made.created_at == timedelta(days=90)
    for days in (0, 366):
        with pytest.raises(StaffError, match="a token lasts 1 to 365 days"):
            create_token(site.engine, "never", ADMIN, now, days)


def test_a_token_stops_while_its_creator_is_disabled(site: Site) -> None:
    token = create_token(site.engine, "nurse's script", NURSE, datetime.now(UTC))
    assert api_status(site, token) == 200
    disable_staff(site.engine, NURSE, ADMIN, datetime.now(UTC))
    assert api_status(site, token) == 401
    enable_staff(site.engine, NURSE, ADMIN, datetime.now(UTC))
    assert api_status(site, token) == 200
    # A token whose creator has no account (any more) acts for nobody.
    orphan = create_token(site.engine, "orphan", "left@example.org", datetime.now(UTC))
    assert api_status(site, orphan) == 401


def row_of(page: str, name: str) -> str:
    match = re.search(
        r'<tr data-token-id="\d+"[^>]*>\s*<td>' + re.escape(name) + r"</td>.*?</tr>", page, re.S
    )
    assert match, page
    return match.group(0)


def test_the_tokens_page_chooses_the_lifetime_and_shows_expiry_last_use_and_state(
    site: Site,
) -> None:
    admin = site.browser()
    assert admin.sign_in(ADMIN, PASSWORD)[0] == 303
    _, _, page = admin.request("GET", "/staff/tokens")
    assert '<option value="90" selected>90 days</option>' in page
    form = {"csrf_token": admin.csrf("/staff/tokens"), "name": "ehr bridge", "days": "30"}
    status, _, page = admin.request("POST", "/staff/tokens", form)
    assert status == 201
    token = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page)
    assert token
    row = row_of(page, "ehr bridge")
    expires = re.search(r'<td class="expires"><time datetime="([^"]+)"', row)
    assert expires
    left = datetime.fromisoformat(expires.group(1)) - datetime.now(UTC)
    assert timedelta(days=29, hours=23) < left <= timedelta(days=30)
    assert "never" in row and '<td class="state">yes</td>' in row

    assert api_status(site, token.group(1)) == 200
    _, _, page = admin.request("GET", "/staff/tokens")
    assert '<td class="last-used"><time datetime=' in row_of(page, "ehr bridge")

    create_token(site.engine, "old", ADMIN, datetime.now(UTC) - timedelta(days=100))
    create_token(site.engine, "nurse's", NURSE, datetime.now(UTC))
    disable_staff(site.engine, NURSE, ADMIN, datetime.now(UTC))
    _, _, page = admin.request("GET", "/staff/tokens")
    assert "expired</span>" in row_of(page, "old")
    assert "creator disabled</span>" in row_of(page, "nurse&#39;s")

    form = {"csrf_token": admin.csrf("/staff/tokens"), "name": "forever", "days": "10000"}
    status, _, page = admin.request("POST", "/staff/tokens", form)
    assert status == 400 and "Choose how long the token lasts" in page
