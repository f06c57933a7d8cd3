"""Staff: accounts (Argon2 password hashes, the rules for new ones), signing in with its
limits, sessions that can be ended, API tokens that expire, and the audit log.
`passwords` holds the hashing and the rules, `signin` signs people in, `sessions` keeps
who is signed in, `accounts` is what an admin manages, `tokens` and `audit` are what
their names say, `limits` counts failures per address in memory."""

from __future__ import annotations

from followup.staff.accounts import (
    add_staff,
    change_own_password,
    disable_staff,
    enable_staff,
    has_admin,
    list_staff,
    set_locations,
    set_password,
    set_role,
    unlock_staff,
)
from followup.staff.audit import audit
from followup.staff.passwords import (
    FIRST_ADMIN,
    MIN_PASSWORD,
    ROLES,
    SignInRefused,
    StaffError,
    StaffNotFound,
    WrongPassword,
    check_email,
    check_new_password,
    generate_password,
)
from followup.staff.sessions import session_user, sign_out, start_session
from followup.staff.signin import (
    LOCK_AFTER,
    LOCK_WINDOW,
    Attempt,
    authenticate,
    fingerprint,
    record_address_stopped,
)
from followup.staff.tokens import (
    DEFAULT_DAYS,
    LIFETIMES_DAYS,
    create_token,
    creators_disabled,
    revoke_token,
    token_owner,
)

__all__ = [
    "DEFAULT_DAYS",
    "FIRST_ADMIN",
    "LIFETIMES_DAYS",
    "LOCK_AFTER",
    "LOCK_WINDOW",
    "MIN_PASSWORD",
    "ROLES",
    "Attempt",
    "SignInRefused",
    "StaffError",
    "StaffNotFound",
    "WrongPassword",
    "add_staff",
    "audit",
    "authenticate",
    "change_own_password",
    "check_email",
    "check_new_password",
    "create_token",
    "creators_disabled",
    "disable_staff",
    "enable_staff",
    "fingerprint",
    "generate_password",
    "has_admin",
    "list_staff",
    "record_address_stopped",
    "revoke_token",
    "session_user",
    "set_locations",
    "set_password",
    "set_role",
    "sign_out",
    "start_session",
    "token_owner",
    "unlock_staff",
]
