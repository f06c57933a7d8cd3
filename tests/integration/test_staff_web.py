"""Staff sign-in and the rules every staff route obeys, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.db.models import AuditEvent
from followup.protocol import Protocol
from followup.settings import Settings
from followup.staff import LOCK_AFTER, add_staff
from followup.testing.web import serving
from followup.web.app import create_app
from tests.conftest import ROOT

PASSWORD = "correct horse battery"
PUBLIC_ROUTES = {"/healthz", "/readyz", "/staff/sign-in", "/twilio/sms", "/twilio/status"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Browser:
    """A cookie-keeping HTTP client that shows redirects instead of following them.

    `headers` go with every request: X-Forwarded-For makes it another client address
    (uvicorn believes it from 127.0.0.1, as from a proxy on the same host).
    """

    base: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 15

    def __post_init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def copy_cookies_to(self, other: Browser) -> None:
        """What an attacker who copied this browser's cookies would hold."""
        for cookie in self.cookies:
            other.cookies.set_cookie(cookie)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=self.headers
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, dict(exc.headers), exc.read().decode()

    def csrf(self, path: str = "/staff/sign-in") -> str:
        _, _, page = self.request("GET", path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, page
        return match.group(1)

    def sign_in(self, email: str, password: str) -> tuple[int, dict[str, str], str]:
        return self.request(
            "POST",
            "/staff/sign-in",
            {"csrf_token": self.csrf(), "email": email, "password": password, "next": "/staff/"},
        )


@dataclass
class Site:
    base: str
    engine: Engine
    app: object

    def browser(self, address: str | None = None) -> Browser:
        """A new client; from `address` (as a proxy would say) when given."""
        return Browser(self.base, {"X-Forwarded-For": address} if address else {})


def serve(engine: Engine, protocol: Protocol, public_url: str, **more: object) -> Iterator[Site]:
    settings = Settings(
        database_url=str(engine.url),
        public_url=public_url,
        secret_key="a-real-secret-for-tests-0123456789",
        templates_dir=ROOT / "templates",
        **more,
    )  # type: ignore[arg-type]
    app = create_app(settings, engine, protocol)
    with serving(app) as base:
        yield Site(base, engine, app)


@pytest.fixture
def site(engine: Engine, protocol: Protocol) -> Iterator[Site]:
    add_staff(engine, "Nurse@Example.org", "clinician", PASSWORD, datetime.now(UTC))
    yield from serve(engine, protocol, "http://127.0.0.1")


def test_signing_in_sets_a_signed_httponly_samesite_cookie_and_opens_home(site: Site) -> None:
    browser = site.browser()
    status, headers, _ = browser.sign_in("nurse@example.org", PASSWORD)
    assert status == 303 and headers["location"] == "/staff/"
    cookie = headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    status, _, page = browser.request("GET", "/staff/")
    assert status == 200 and "nurse@example.org" in page and "open alerts" in page


def test_the_root_address_leads_to_sign_in_and_once_signed_in_to_home(site: Site) -> None:
    browser = site.browser()
    assert browser.request("GET", "/")[1]["location"] == "/staff/"
    status, headers, _ = browser.request("GET", "/staff/")
    assert status == 303 and headers["location"] == "/staff/sign-in?next=/staff/"
    browser.sign_in("nurse@example.org", PASSWORD)
    status, headers, _ = browser.request("GET", "/")
    assert status == 303 and headers["location"] == "/staff/"
    status, _, page = browser.request("GET", "/staff/")
    assert status == 200 and "open alerts" in page


def test_sign_in_page_says_how_to_make_the_first_admin_until_one_exists(site: Site) -> None:
    _, _, page = site.browser().request("GET", "/staff/sign-in")
    assert 'id="first-admin"' in page and "followup staff add EMAIL --role admin" in page
    add_staff(site.engine, "admin@example.org", "admin", PASSWORD, datetime.now(UTC))
    _, _, page = site.browser().request("GET", "/staff/sign-in")
    assert 'id="first-admin"' not in page


def test_cookie_is_secure_when_the_public_url_is_https(engine: Engine, protocol: Protocol) -> None:
    add_staff(engine, "admin@example.org", "admin", PASSWORD, datetime.now(UTC))
    for https_site in serve(engine, protocol, "https://followup.example-clinic.org"):
        # The sign-in page already sets the session (it holds the CSRF token).
        _, headers, _ = https_site.browser().request("GET", "/staff/sign-in")
        assert (
            "secure" in headers["set-cookie"].lower()
            and "httponly" in headers["set-cookie"].lower()
        )


def test_a_wrong_password_is_refused_and_repeated_ones_lock_the_account(site: Site) -> None:
    browser = site.browser()
    status, _, page = browser.sign_in("nurse@example.org", "wrong password 1")
    assert status == 401 and "Wrong email or password" in page
    for attempt in range(LOCK_AFTER - 1):
        browser.sign_in("nurse@example.org", f"wrong password {attempt}")
    status, _, page = browser.sign_in("nurse@example.org", PASSWORD)
    # Even the right password waits, and the answer does not say the account is locked.
    assert status == 401 and "Wrong email or password" in page and "try again" not in page
    assert browser.request("GET", "/staff/")[0] == 303


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(site: Site) -> None:
    status, _, page = site.browser().sign_in("nobody@example.org", PASSWORD)
    assert status == 401 and "Wrong email or password" in page


def staff_routes(app: object) -> list[tuple[str, str]]:
    """Every route the app serves (method, path), walked from the app, not a hand-kept list:
    the staff pages (out of the API's description) and the API."""
    paths = get_openapi(title="all", version="0", routes=app.routes)["paths"]  # type: ignore[attr-defined]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if path not in PUBLIC_ROUTES
        for method in sorted(operations)
    ]


def test_every_staff_and_api_route_needs_a_session(site: Site) -> None:
    routes = staff_routes(site.app)
    assert ("GET", "/staff/") in routes and ("POST", "/staff/sign-out") in routes
    browser = site.browser()
    for method, path in routes:
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        status, headers, _ = browser.request(method, concrete, {} if method == "POST" else None)
        if path.startswith("/api/"):
            assert status == 401, (method, path, status)
        else:
            assert status == 303 and headers["location"].startswith("/staff/sign-in"), (
                method,
                path,
                status,
            )


def test_a_form_post_without_the_csrf_token_is_refused(site: Site) -> None:
    browser = site.browser()
    browser.sign_in("nurse@example.org", PASSWORD)
    status, _, _ = browser.request("POST", "/staff/sign-out", {})
    assert status == 403
    assert browser.request("GET", "/staff/")[0] == 200  # still signed in: the post did nothing
    stranger = site.browser()
    status, _, _ = stranger.request(
        "POST", "/staff/sign-in", {"email": "nurse@example.org", "password": PASSWORD}
    )
    assert status == 403


def test_signing_out_ends_the_session(site: Site) -> None:
    browser = site.browser()
    browser.sign_in("nurse@example.org", PASSWORD)
    token = browser.csrf("/staff/")
    assert browser.request("POST", "/staff/sign-out", {"csrf_token": token})[0] == 303
    assert browser.request("GET", "/staff/")[0] == 303


def test_sign_in_never_redirects_to_another_site(site: Site) -> None:
    browser = site.browser()
    status, headers, _ = browser.request(
        "POST",
        "/staff/sign-in",
        {
            "csrf_token": browser.csrf(),
            "email": "nurse@example.org",
            "password": PASSWORD,
            "next": "//evil.example/steal",
        },
    )
    assert status == 303 and headers["location"] == "/staff/"


def test_staff_add_reads_the_password_from_stdin_and_is_audited(engine: Engine) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=str(engine.url),
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
    )

    def add(email: str, role: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "followup", "staff", "add", email, "--role", role],
            input=password + "\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    ok = add("Admin@Example.org", "admin", PASSWORD)
    assert ok.returncode == 0 and "admin@example.org can now sign in as admin" in ok.stdout
    assert "Traceback" not in ok.stderr
    assert (
        add("admin@example.org", "admin", PASSWORD).stderr.strip()
        == "error: admin@example.org already has an account"
    )
    assert "at least 12 characters" in add("b@example.org", "admin", "short").stderr
    assert "too easy to guess" in add("d@example.org", "admin", "Password2024!").stderr
    assert "role 'boss'" in add("c@example.org", "boss", PASSWORD).stderr
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent)).all()
    assert (event.actor, event.action) == ("cli", "staff.add") and "admin@example.org" in (
        event.after or ""
    )
    assert PASSWORD not in (event.after or "")


def assert_security_headers(headers: dict[str, str], where: object, patient_data: bool) -> None:
    lower = {name.lower(): value for name, value in headers.items()}
    csp = lower.get("content-security-policy", "")
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    ), where
    assert "frame-ancestors 'none'" in csp and lower.get("x-frame-options") == "DENY", where
    assert lower.get("x-content-type-options") == "nosniff", where
    assert lower.get("referrer-policy") == "same-origin", where
    assert "camera=()" in lower.get("permissions-policy", ""), where
    if patient_data:
        assert lower.get("cache-control") == "no-store", where


def test_every_answer_carries_the_security_headers_signed_in_or_not(
    engine: Engine, protocol: Protocol
) -> None:
    add_staff(engine, "admin@example.org", "admin", PASSWORD, datetime.now(UTC))
    running = serve(engine, protocol, "https://followup.example-clinic.org")
    site = next(running)
    try:
        routes = (
            staff_routes(site.app)
            + [("GET", p) for p in ("/healthz", "/readyz", "/staff/sign-in", "/no-such-page")]
            + [("POST", "/twilio/sms"), ("POST", "/twilio/status")]
        )
        stranger, admin = site.browser(), site.browser()
        admin.sign_in("admin@example.org", PASSWORD)
        for who in (stranger, admin):
            for method, path in routes:
                concrete = re.sub(r"\{[^}]+\}", "1", path)
                _, headers, _ = who.request(method, concrete, {} if method == "POST" else None)
                assert_security_headers(headers, (method, path), patient_data=True)
                assert headers.get("strict-transport-security", "").startswith("max-age="), path
        _, headers, _ = admin.request("GET", "/static/style.css")
        assert_security_headers(headers, "/static/style.css", patient_data=False)
        _, _, page = admin.request("GET", "/staff/alerts")
        assert "<script>" not in page  # no inline script on any page the CSP would block
    finally:
        running.close()  # stops the server


def asgi_get(app: Any, path: str, client: str, headers: dict[str, str] | None = None) -> int:
    """One GET straight into the ASGI app as if from `client`: the status it answers."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": (client, 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # A thread of its own: the browser tests' Playwright may keep a loop in this one.
    with ThreadPoolExecutor(1) as loop_thread:
        loop_thread.submit(asyncio.run, app(scope, receive, send)).result()
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


@pytest.mark.parametrize("path", ["/metrics", "/openapi.json"])
def test_metrics_and_the_api_description_are_for_this_machine_or_a_token_holder(
    engine: Engine, protocol: Protocol, path: str
) -> None:
    open_settings = Settings(database_url=str(engine.url), templates_dir=ROOT / "templates")  # type: ignore[call-arg]
    app = create_app(open_settings, engine, protocol)
    assert asgi_get(app, path, "127.0.0.1") == 200
    assert asgi_get(app, path, "::1") == 200
    assert asgi_get(app, path, "203.0.113.7") == 401  # anyone else, without a token
    guarded = Settings(
        database_url=str(engine.url),
        templates_dir=ROOT / "templates",
        metrics_token="scrape-me-please-0123",
    )  # type: ignore[call-arg]
    app = create_app(guarded, engine, protocol)
    bearer = {"Authorization": "Bearer scrape-me-please-0123"}
    assert asgi_get(app, path, "203.0.113.7", bearer) == 200
    assert asgi_get(app, path, "203.0.113.7") == 401
