"""New staff passwords: 12 characters or more, and not a common one dressed up to get there."""

from __future__ import annotations

import pytest

from followup.staff import StaffError, check_new_password, generate_password
from followup.staff.common_passwords import common_passwords, is_common


def test_the_bundled_list_is_read_once_lower_cased() -> None:
    listed = common_passwords()
    assert 19_000 < len(listed) < 21_000
    assert {"password", "iloveyou", "qwerty123456", "1q2w3e4r5t6y"} <= listed
    assert all(p == p.lower() for p in listed)
    assert common_passwords() is listed


@pytest.mark.parametrize(
    "password",
    [
        "qwerty123456",  # on the list as it is
        "1Q2W3E4R5T6Y",
        "Password2024!",  # a listed word with a year and a symbol
        "p@ssw0rd1234",  # look-alikes undone
        "!!Sunshine2025",
        "Iloveyou12345",
        "I love you 2024",
        "passwordpassword",  # one piece written twice
        "letmein!letmein!",
        "abcabcabcabc",
        "aaaaaaaaaaaa",
        "abcdefghijklm",  # runs
        "098765432109",
        "zxcvbnm12345",
        "password123456789",  # a long tail that is itself common
        "nurse.jones2024",  # the person's own address
        "followup2025!",
    ],
)
def test_a_common_password_dressed_up_is_refused(password: str) -> None:
    assert is_common(password, ["nurse.jones", "followup"])
    with pytest.raises(StaffError, match="too easy to guess"):
        check_new_password(password, "nurse.jones@example.org")


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",  # listed words, a phrase that is not
        "a brand new passphrase",
        "Tr0ub4dor&3x-lantern",
        "ab8305719264",  # a short word and ten random digits: the digits carry it
        "monkey83057192",
        "k7mq-3xrt-p9wd-hn4c",
    ],
)
def test_passphrases_and_random_passwords_are_accepted(password: str) -> None:
    assert not is_common(password)
    check_new_password(password, "nurse.jones@example.org")


def test_generated_passwords_are_never_refused() -> None:
    for _ in range(200):
        check_new_password(generate_password(), "nurse@example.org")


def test_a_short_password_is_refused_for_its_length_first() -> None:
    with pytest.raises(StaffError, match="at least 12 characters"):
        check_new_password("password", "nurse@example.org")
