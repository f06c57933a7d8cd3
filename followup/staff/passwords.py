"""Staff passwords: Argon2 hashes, the rules a new password meets, and checks on addresses.

Signing in (with its limits) is `signin`; sessions are `sessions`.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from followup.core.errors import FollowupError
from followup.staff.common_passwords import is_common

ROLES = ("admin", "clinician")
FIRST_ADMIN = "followup staff add EMAIL --role admin"  # how a new clinic gets its first account


MIN_PASSWORD = 12


HASHER = PasswordHasher()


# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
DUMMY_HASH = HASHER.hash("not-a-real-password-for-timing")


class StaffError(FollowupError):
    """The staff account request was refused."""


class SignInRefused(StaffError):
    """Wrong email or password."""


class WrongPassword(StaffError):
    """The current password is wrong."""


def verify(hashed: str, password: str) -> bool:
    """Whether the password matches the hash; Argon2, so run it off the event loop."""
    try:
        return HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_new_password(password: str, email: str) -> None:
    """Refuse (StaffError) a password that is short, common, or the person's own address."""
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password must be at least {MIN_PASSWORD} characters")
    if is_common(password, context=(email.partition("@")[0], "followup")):
        raise StaffError(
            "the password is too easy to guess: it is a common password, or one with "
            "digits, symbols or look-alike letters added; try three or four unrelated words"
        )


class StaffNotFound(StaffError):
    """No staff account has that id or email."""


def check_email(email: str) -> str:
    """The email as stored (trimmed, lower-cased), or StaffError if it cannot be an address.

    Stricter than `add_staff`'s own check: no spaces, no markup characters, a dotted domain.
    """
    email = email.strip().lower()
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain.strip(".")
        or len(email) > 254
        or any(c.isspace() or c in '<>"(),;:[]\\' for c in email)
    ):
        raise StaffError(f"{email!r} is not an email address")
    return email


def generate_password() -> str:
    """A random password an admin can read out or copy: four groups of four, ~78 bits.

    Lower-case letters and digits without look-alikes (0/o, 1/l/i), e.g. "k7mq-3xrt-p9wd-hn4c".
    """
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
