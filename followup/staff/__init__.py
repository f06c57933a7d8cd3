"""Staff: accounts (Argon2 password hashes, sign-in with lockout), API tokens and the audit
log. `passwords` signs people in, `accounts` is what an admin manages, `tokens` and `audit`
are what their names say."""

from __future__ import annotations

from followup.staff.accounts import (
    add_staff,
    disable_staff,
    enable_staff,
    has_admin,
    list_staff,
    set_password,
    set_role,
    unlock_staff,
)
from followup.staff.audit import audit
from followup.staff.passwords import (
    FIRST_ADMIN,
    LOCK_AFTER,
    MIN_PASSWORD,
    ROLES,
    LockedOut,
    SignInRefused,
    StaffError,
    StaffNotFound,
    authenticate,
    check_email,
    generate_password,
)
from followup.staff.tokens import create_token, revoke_token, token_owner

__all__ = [
    "FIRST_ADMIN",
    "LOCK_AFTER",
    "MIN_PASSWORD",
    "ROLES",
    "LockedOut",
    "SignInRefused",
    "StaffError",
    "StaffNotFound",
    "add_staff",
    "audit",
    "authenticate",
    "check_email",
    "create_token",
    "disable_staff",
    "enable_staff",
    "generate_password",
    "has_admin",
    "list_staff",
    "revoke_token",
    "set_password",
    "set_role",
    "token_owner",
    "unlock_staff",
]
