"""Errors as a person's browser sees them (readable pages) and as programs see them (JSON as
ever), over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from followup.protocol import Protocol
from followup.staff import add_staff
from tests.integration.test_staff_web import PASSWORD, Browser, Site, serve

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
INTERNAL = "sync_run_internal_table_name"  # what the failing route's exception says


@pytest.fixture
def site(engine: Engine, protocol: Protocol) -> Iterator[Site]:
    add_staff(engine, "boss@example.org", "admin", PASSWORD, datetime.now(UTC))
    add_staff(engine, "nurse@example.org", "clinician", PASSWORD, datetime.now(UTC))
    for site in serve(engine, protocol, "http://127.0.0.1"):
        app = site.app
        assert isinstance(app, FastAPI)

        def explode() -> None:
            raise RuntimeError(INTERNAL)

        # Routes that fail as a bug would, a staff page and an API one.
        app.add_api_route("/staff/explode", explode)
        app.add_api_route("/api/explode", explode)
        yield site


def browser(site: Site, signed_in: str | None = None) -> Browser:
    person = site.browser()
    if signed_in:
        assert person.sign_in(signed_in, PASSWORD)[0] == 303
    person.headers["Accept"] = HTML
    return person


def assert_page(headers: dict[str, str], page: str) -> None:
    """An HTML page with the security headers, never a traceback or JSON."""
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["content-type"].startswith("text/html")
    assert "script-src 'self'" in lowered["content-security-policy"]
    assert lowered["cache-control"] == "no-store" and lowered["x-frame-options"] == "DENY"
    assert page.lstrip().startswith("<!doctype html>")
    assert "Traceback" not in page and '{"detail"' not in page


def test_a_signed_out_browser_gets_a_plain_404_page(site: Site) -> None:
    status, headers, page = browser(site).request("GET", "/no/such/page")
    assert status == 404
    assert_page(headers, page)
    assert "Page not found" in page and 'href="/staff/sign-in"' in page
    assert "Sign out" not in page and "<nav" not in page


def test_a_signed_in_browser_gets_the_staff_layout_and_the_reason(site: Site) -> None:
    status, headers, page = browser(site, "nurse@example.org").request(
        "GET", "/staff/no-such-section"
    )
    assert status == 404
    assert_page(headers, page)
    assert "<nav" in page and "nurse@example.org" in page and 'href="/staff/"' in page


def test_a_non_admin_is_told_what_is_needed(site: Site) -> None:
    status, headers, page = browser(site, "nurse@example.org").request("GET", "/staff/people")
    assert status == 403
    assert_page(headers, page)
    assert "Not allowed" in page and "This needs an admin" in page


def test_an_expired_form_says_to_reload_and_try_again(site: Site) -> None:
    person = browser(site)
    status, headers, page = person.request(
        "POST", "/staff/sign-in", {"csrf_token": "stale", "email": "x@example.org"}
    )
    assert status == 403
    assert_page(headers, page)
    assert "The form has expired" in page and "reload" in page


def test_a_wrong_method_is_a_405_page_keeping_allow(site: Site) -> None:
    status, headers, page = browser(site, "nurse@example.org").request("GET", "/staff/sign-out")
    assert status == 405
    assert_page(headers, page)
    assert {k.lower(): v for k, v in headers.items()}["allow"] == "POST"
    assert "does not take that request" in page and "Method Not Allowed" not in page


def test_an_invalid_value_is_a_422_page_naming_the_field_not_its_value(site: Site) -> None:
    person = browser(site, "boss@example.org")
    form = {"csrf_token": person.csrf("/staff/"), "role": "admin"}
    status, headers, page = person.request("POST", "/staff/people/0/role", form)
    assert status == 422
    assert_page(headers, page)
    assert "The form could not be used" in page and "staff_id" in page and "reload" in page


def test_a_server_error_is_a_500_page_without_internals(site: Site) -> None:
    for who in (None, "nurse@example.org"):
        status, headers, page = browser(site, who).request("GET", "/staff/explode")
        assert status == 500
        assert_page(headers, page)
        assert "Something went wrong" in page
        assert INTERNAL not in page and "RuntimeError" not in page and "explode" not in page


def test_programs_and_the_api_keep_their_json(site: Site) -> None:
    plain = site.browser()  # asks for no HTML, as scripts and the API's clients do
    status, _, body = plain.request("GET", "/no/such/page")
    assert (status, json.loads(body)) == (404, {"detail": "Not Found"})
    status, _, body = plain.request("POST", "/staff/sign-in", {"csrf_token": "stale"})
    assert status == 403 and json.loads(body)["detail"].startswith("the form has expired")
    html_on_api = browser(site)  # even a browser asking for HTML gets JSON under /api/
    status, _, body = html_on_api.request("GET", "/api/no-such-thing")
    assert status in (401, 404) and "detail" in json.loads(body)
    status, headers, body = html_on_api.request("GET", "/api/explode")
    assert (status, body) == (500, "Internal Server Error")
    assert "content-security-policy" in {k.lower() for k in headers}
