"""Why a phone number is refused: the region it was read in, impossible or unassigned."""

from __future__ import annotations

import pytest

from followup.core.phones import InvalidPhone, mask, to_e164

CLINIC = " (the clinic's: no country code given)"
UNASSIGNED = "unassigned (a possible length, but no numbers there start that way)"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(
            "+44 7700 900123",
            f"'+44 7700 900123' is not a valid phone number for region GB: {UNASSIGNED}",
            id="own-country-code-unassigned",
        ),
        pytest.param(
            "011 44 7700 900123",
            f"'011 44 7700 900123' is not a valid phone number for region GB: {UNASSIGNED}",
            id="international-prefix-counts-as-own-code",
        ),
        pytest.param(
            "+4477009001234567",
            "'+4477009001234567' is not a valid phone number for region GB: impossible, too long",
            id="own-country-code-impossible",
        ),
        pytest.param(
            "555",
            f"'555' is not a valid phone number for region US{CLINIC}: impossible, too short",
            id="clinic-region-too-short",
        ),
        pytest.param(
            "555-0134",
            f"'555-0134' is not a valid phone number for region US{CLINIC}: "
            "impossible, a local number without its area code",
            id="clinic-region-no-area-code",
        ),
        pytest.param(
            "(099) 555-0134",
            f"'(099) 555-0134' is not a valid phone number for region US{CLINIC}: {UNASSIGNED}",
            id="clinic-region-unassigned",
        ),
        pytest.param(
            "+999 1234",
            "'+999 1234' is not a phone number: no country has that code",
            id="no-such-code",
        ),
        pytest.param("call the desk", "'call the desk' is not a phone number", id="words"),
    ],
)
def test_a_refused_number_names_its_region_and_whether_it_could_exist(
    raw: str, message: str
) -> None:
    with pytest.raises(InvalidPhone) as caught:
        to_e164(raw, "us")
    assert str(caught.value) == message


def test_valid_numbers_become_e164_in_their_own_region_or_the_clinics() -> None:
    assert to_e164("tel:(402) 555-0134", "US") == "+14025550134"
    assert to_e164("+44 20 7946 0958", "US") == "+442079460958"
    assert to_e164("020 7946 0958", "GB") == "+442079460958"


def test_mask_keeps_only_the_last_two_digits() -> None:
    assert mask("+14025550134") == "**********34"
    assert mask(None) == "-"
