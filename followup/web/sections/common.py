"""What the staff sections (inbox, alerts, today, upcoming) share.

Times are shown in the clinic's zone, because that is the clock on the clinic's wall;
one-line notices survive the redirect after a form post in the session; a form may say
where to go back to, but only somewhere inside the staff pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from followup.core.clock import day_start
from followup.protocol import Protocol
from followup.web.auth import Staff, check_csrf
from followup.web.forms import form_fields
from followup.web.notices import Notice, flash, take_flash
from followup.web.staff_pages import render_page

__all__ = ["Notice", "flash", "take_flash"]  # kept here for the sections that import them


def safe_back(target: str | None, default: str) -> str:
    """Where a form asked to return to, if it is a staff page; otherwise `default`."""
    if (
        target
        and target.startswith("/staff/")
        and "//" not in target
        and "\\" not in target
        and not any(ord(c) < 32 for c in target)
    ):
        return target
    return default


def go_back(form: dict[str, str], default: str) -> RedirectResponse:
    """Post/redirect/get: answer a form with a 303 to the page it came from."""
    return RedirectResponse(safe_back(form.get("back"), default), status_code=303)


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form, refused (403) unless it carries this session's CSRF token."""
    form = await form_fields(request)
    check_csrf(request, form)
    return form


class ClinicClock:
    """Formats stored UTC instants in the clinic's zone for the pages."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def __call__(self, value: datetime | None) -> str:
        """Date and time with the zone's abbreviation, e.g. "Mon 05 Jan 2026 09:00 CST"."""
        if value is None:
            return ""
        local = value.astimezone(self.tz)
        return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"

    def time(self, value: datetime | None) -> str:
        """Only the time of day, for a page that is about one day."""
        if value is None:
            return ""
        return f"{value.astimezone(self.tz):%H:%M}"

    def day(self, now: datetime) -> tuple[datetime, datetime]:
        """The clinic's calendar day around `now`, as [start, end) instants.

        Both ends are built from the local date, so a day with a DST change is 23 or 25
        hours long, as it is on the wall.
        """
        today = now.astimezone(self.tz).date()
        return day_start(today, self.tz), day_start(today + timedelta(days=1), self.tz)


def clinic_clock(request: Request) -> ClinicClock:
    """The clock of the protocol the app was built with."""
    protocol: Protocol = request.app.state.protocol
    return ClinicClock(protocol.clinic.tz)


def section_page(
    request: Request, name: str, staff: Staff, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """`render_page` plus what every section shows: clinic time and the waiting notice."""
    return render_page(
        request,
        name,
        staff,
        status_code,
        at=clinic_clock(request),
        notice=take_flash(request),
        **context,
    )
