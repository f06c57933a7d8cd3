"""Who is asking: a signed-in staff member (a session in the database) or a clinic tool
(a bearer token).

Every staff page and API route depends on `require_staff`; forms also pass `check_csrf`.

* The cookie is Starlette's signed session cookie (HttpOnly, SameSite=Lax, Secure on
  https). It carries a random session id and one-line notices, nothing else; whose
  session it is, and whether it still is, lives in the `staff_session` table
  (`followup.staff.sessions`), so ending a session server-side ends it for every copy of
  the cookie. A page's own polling (`PASSIVE_PATHS`) does not count as use.
* The CSRF token is an HMAC of the session id under the server's key: in every form,
  never in the cookie, and new with every sign-in.
* A browser that signs in gets a device mark (a second cookie, signed, 90 days) naming
  the account and its current password; with it, that account's lock and its address's
  limit do not apply to that browser (`followup.staff.signin`).
* Argon2 runs in a pool of `HASHING_THREADS` per app (`hashing`), off the event loop and
  away from the webhooks' threads: staff traffic cannot take more than that. Its threads
  run at a lower priority (Linux: nice +5), so when the machine is busy the patients'
  webhooks get the cores first and a sign-in waits a little longer.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import secrets
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine

from followup.core import clock
from followup.db.models import StaffUser
from followup.settings import Settings
from followup.staff import (
    LOCK_WINDOW,
    fingerprint,
    session_user,
    start_session,
    token_owner,
)
from followup.staff.limits import SlidingWindow
from followup.staff.scope import Scope, parse_locations
from followup.staff.sessions import sign_out as end_every_session

T = TypeVar("T")
log = logging.getLogger(__name__)

# Argon2 takes a core while it runs: one thread on a 2-core machine leaves the other to
# the webhooks, however many people (or attackers) sign in at once.
HASHING_THREADS = max(1, min(2, (os.cpu_count() or 2) // 2))
# A third of a normal thread's share of a busy core (CFS weights 335 and 1024): the
# webhooks come first, and a sign-in on a loaded machine is slower, not stalled.
HASHING_NICE = 5
# Failed sign-ins per client address (in memory, per process) before it waits.
ADDRESS_LIMIT = 30
ADDRESS_WINDOW = LOCK_WINDOW
DEVICE_COOKIE = "followup_device"
DEVICE_DAYS = 90
# Requests a page makes by itself, not a person using it.
PASSIVE_PATHS = frozenset({"/staff/alerts/poll", "/staff/alerts/status"})
_SID = "sid"


@dataclass(frozen=True, slots=True)
class Staff:
    """The person (or tool) behind a request."""

    id: int | None
    email: str
    role: str
    # The locations this person sees (a token: its creator's); None: every one.
    locations: frozenset[str] | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def scope(self) -> Scope:
        return Scope(self.locations)

    @classmethod
    def of(cls, user: StaffUser) -> Staff:
        """The staff member a signed-in account is."""
        return cls(user.id, user.email, user.role, parse_locations(user.locations))


@dataclass(frozen=True, slots=True)
class DeviceMark:
    """What a browser's device cookie says: it signed in as this account, with this password."""

    staff_id: int
    email: str
    fingerprint: str


class HashingPool:
    """A few threads of their own for Argon2, at a lower priority than the rest.

    Not anyio's shared worker threads: those also record Twilio's status callbacks and
    serve the staff pages, and a thread made nicer stays so (only root may undo it).
    Work beyond the threads waits in the queue, never in a new thread.
    """

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._executor = ThreadPoolExecutor(
            threads, thread_name_prefix="followup-argon2", initializer=_lower_priority
        )

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self._executor.submit(work, *args))


def _lower_priority() -> None:
    # On Linux a thread id names just this thread; elsewhere it could name a process.
    if sys.platform == "linux":
        thread = threading.get_native_id()
        try:
            # Relative to the process's own: a followup already run under `nice` stays below.
            nice = min(19, os.getpriority(os.PRIO_PROCESS, thread) + HASHING_NICE)
            os.setpriority(os.PRIO_PROCESS, thread, nice)
        except OSError as exc:  # a container may forbid it: hashing still runs, at par
            log.warning("the Argon2 threads keep normal priority: %s", exc)


@dataclass(frozen=True)
class StaffAuth:
    """What sign-in and sessions need, one per app."""

    key: bytes
    idle: timedelta
    https: bool
    hashing: HashingPool
    addresses: SlidingWindow


class SignInRequired(Exception):
    """Raised by `require_staff`; the app turns it into a redirect (pages) or a 401 (API)."""


def install(app: FastAPI, settings: Settings) -> None:
    """Give the app its key, hashing pool and address window (at start-up, per app)."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    app.state.staff_auth = StaffAuth(
        # Without a configured key, sessions last as long as the process anyway.
        key=hashlib.sha256(b"followup.staff:" + secret.encode()).digest()
        if secret
        else secrets.token_bytes(32),
        idle=timedelta(minutes=settings.session_idle_minutes),
        https=bool(settings.public_url and settings.public_url.startswith("https://")),
        hashing=HashingPool(HASHING_THREADS),
        addresses=SlidingWindow(ADDRESS_LIMIT, ADDRESS_WINDOW),
    )


def staff_auth(request: Request) -> StaffAuth:
    auth: StaffAuth = request.app.state.staff_auth
    return auth


async def hashing(request: Request, work: Callable[..., T], *args: Any) -> T:
    """Run `work` (anything that runs Argon2) in the app's hashing pool."""
    return await staff_auth(request).hashing.run(work, *args)


def client_address(request: Request) -> str:
    """The client's address (uvicorn takes it from X-Forwarded-For behind a trusted proxy)."""
    return request.client.host if request.client else "unknown"


def sign_in(request: Request, user: StaffUser) -> None:
    """Start a fresh session for this user: a new id, so a new CSRF token (no fixation).
    Writes to the database: call it off the event loop."""
    assert user.id is not None
    auth = staff_auth(request)
    token = start_session(request.app.state.engine, user.id, clock.now(), auth.idle)
    request.session.clear()
    request.session[_SID] = token


def sign_out(request: Request, staff: Staff) -> None:
    """End every session of this person, this browser's too. Writes to the database."""
    end_every_session(request.app.state.engine, staff.id)
    request.session.clear()


def require_staff(request: Request) -> Staff:
    """The signed-in staff member, or the tool a valid bearer token belongs to."""
    engine: Engine = request.app.state.engine
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and request.url.path.startswith("/api/"):
        owner = token_owner(engine, header[7:].strip(), clock.now())
        if owner is not None:
            # Tokens read and acknowledge, within their creator's locations; they never
            # administer.
            name, locations = owner
            return Staff(None, name, "clinician", parse_locations(locations))
        raise SignInRequired()
    user = _session_user(request, active=request.url.path not in PASSIVE_PATHS)
    if user is None:
        if _SID in request.session:
            request.session.clear()  # an ended session: the cookie is only noise now
        raise SignInRequired()
    return Staff.of(user)


def signed_in(request: Request) -> bool:
    """Whether the request comes with a live staff session (no use recorded)."""
    if getattr(request.app.state, "staff_auth", None) is None:
        return False  # the fallback instance has no staff pages
    return _session_user(request, active=False) is not None


def current_staff(request: Request) -> Staff | None:
    """The signed-in person, if any, without counting this request as their use."""
    if getattr(request.app.state, "staff_auth", None) is None or "session" not in request.scope:
        return None
    user = _session_user(request, active=False)
    return None if user is None else Staff.of(user)


def _session_user(request: Request, *, active: bool) -> StaffUser | None:
    token = request.session.get(_SID)
    if not isinstance(token, str):
        return None
    auth = staff_auth(request)
    return session_user(request.app.state.engine, token, clock.now(), auth.idle, active=active)


def require_every_location(staff: Staff = Depends(require_staff)) -> Staff:
    """What the whole network shares (the templates, whose previews offer every location's
    appointments): staff of every location only."""
    if not staff.scope.everywhere:
        raise HTTPException(status_code=403, detail="this needs staff of every location")
    return staff


def require_admin(staff: Staff = Depends(require_staff)) -> Staff:
    """Admins manage templates, staff and tokens; clinicians read and acknowledge. In a
    network, only an admin of every location: templates, people and tokens are shared."""
    if not staff.is_admin:
        raise HTTPException(status_code=403, detail="this needs an admin")
    if not staff.scope.everywhere:
        raise HTTPException(status_code=403, detail="this needs an admin of every location")
    return staff


def csrf_token(request: Request) -> str:
    """This session's CSRF token, for every form's hidden field: derived, never stored.

    A visitor not signed in gets a session id too, so the sign-in form is protected.
    """
    sid = request.session.get(_SID)
    if not isinstance(sid, str):
        sid = secrets.token_urlsafe(32)
        request.session[_SID] = sid
    return _csrf_for(request, sid)


def _csrf_for(request: Request, sid: str) -> str:
    return hmac.new(staff_auth(request).key, b"csrf:" + sid.encode(), "sha256").hexdigest()


def check_csrf(request: Request, form: dict[str, str]) -> None:
    """Refuse a form post whose token is missing or not this session's."""
    sid = request.session.get(_SID)
    given = form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    if not isinstance(sid, str) or not hmac.compare_digest(_csrf_for(request, sid), given):
        raise HTTPException(
            status_code=403,
            detail="the form has expired or did not come from this site; reload and try again",
        )


def _device_serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(staff_auth(request).key, salt="followup.device")


def device_mark(request: Request) -> DeviceMark | None:
    """The account this browser signed in as before, if its mark is genuine and recent."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        staff_id, email, print_ = _device_serializer(request).loads(
            value, max_age=DEVICE_DAYS * 86400
        )
    except (BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(staff_id, int) and isinstance(email, str) and isinstance(print_, str)):
        return None
    return DeviceMark(staff_id, email, print_)


def set_device_mark(request: Request, response: Response, user: StaffUser) -> None:
    """Mark this browser as one `user` signs in from (after a good password)."""
    value = _device_serializer(request).dumps([user.id, user.email, fingerprint(user)])
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_DAYS * 86400,
        path="/staff/",
        httponly=True,
        samesite="lax",
        secure=staff_auth(request).https,
    )
