"""Count the SMS segments a message is billed as, following GSM 03.38 (3GPP TS 23.038).

A message that fits the GSM 7-bit default alphabet (basic character set plus extension
table) is sent as GSM-7: 160 septets in one segment, or 153 per segment once the message is
concatenated (the user data header takes the rest). Characters of the extension table
(`^ { } \\ [ ~ ] | €` and form feed) are sent as an escape plus the character, so they
take two septets. Any other character turns the whole message into UCS-2: 70 UTF-16 code
units in one segment, 67 per concatenated segment, and characters outside the Basic
Multilingual Plane (most emoji) take two code units.

Neither an escape pair nor a surrogate pair may be split across segments: when one would
straddle a boundary it moves to the next segment, leaving the previous one a unit short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# 3GPP TS 23.038 table 6.2.1, in code order. 0x1B (escape) is left out: it introduces the
# extension table and is not a character a message may contain. 0x09 is the capital Ç the
# spec lists; the lowercase ç is not in the alphabet.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# 3GPP TS 23.038 table 6.2.1.1: each is sent as escape + character, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True, slots=True)
class SegmentCount:
    """How a text is encoded and how many segments it is billed as.

    `characters` is the length as the encoding counts it: septets for GSM-7, UTF-16 code
    units for UCS-2. `per_segment` is 160/70 for a single-segment message and 153/67 once
    it is concatenated. `non_gsm` lists, in order of first appearance, the distinct
    characters that forced UCS-2.
    """

    encoding: Encoding
    characters: int
    segments: int
    per_segment: int
    non_gsm: tuple[str, ...] = ()


def count_segments(text: str) -> SegmentCount:
    """Count the segments of an SMS body; an empty body is 0 segments (it cannot be sent)."""
    non_gsm = tuple(dict.fromkeys(c for c in text if c not in GSM7))
    if non_gsm:
        encoding: Encoding = "UCS-2"
        single, multi = UCS2_SINGLE, UCS2_MULTI
        # A character outside the BMP is a surrogate pair: two code units, never split.
        units = [1 if ord(c) < 0x10000 else 2 for c in text]
    else:
        encoding = "GSM-7"
        single, multi = GSM7_SINGLE, GSM7_MULTI
        units = [2 if c in GSM7_EXTENSION else 1 for c in text]
    characters = sum(units)
    if characters <= single:
        # Twilio refuses an empty body, so it is billed as nothing rather than one segment.
        segments = 1 if characters else 0
        return SegmentCount(encoding, characters, segments, single, non_gsm)
    return SegmentCount(encoding, characters, _pack(units, multi), multi, non_gsm)


def _pack(units: list[int], capacity: int) -> int:
    """Fill segments in order; a two-unit character that does not fit starts the next one."""
    segments, used = 1, 0
    for size in units:
        if used + size > capacity:
            segments, used = segments + 1, 0
        used += size
    return segments
