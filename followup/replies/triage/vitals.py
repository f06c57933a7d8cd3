"""Readings patients text: blood pressure, pulse and oxygen, written any common way.

"BP 190/115", "190 over 115", "one ninety over one twenty", "top number 185", "presión
19/12" (centimetres of mercury, as much of Latin America writes it), "pulse 145", "O2 88%".
When a message gives several blood pressures, the last one counts ("190/110 this morning,
140/90 now" has come down). Thresholds, from the American Heart Association's categories:
a hypertensive crisis (systolic 180 or more, or diastolic 120 or more) is an emergency;
stage 2 at its top (160-179 or 100-119) is urgent. A pulse of 120 or more, or 40 or less,
and oxygen below 92% are emergencies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from followup.replies.triage.findings import Finding, Level

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}  # fmt: skip
_TEENS_AND_TENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_TENS = "|".join(_TEENS_AND_TENS)
_UNIT = "|".join(_UNITS)
# "one ninety five", "two hundred and ten", "a hundred", "ninety": numbers said aloud, as
# voice-to-text writes a reading.
_SPOKEN = re.compile(
    rf"\b(?:(?P<h4>one|two) oh (?P<u4>{_UNIT})|(?P<hundreds>{_UNIT}|a)(?: hundred)?(?: and)? (?P<tens>{_TENS})(?:[ -](?P<u1>{_UNIT}))?"
    rf"|(?P<h2>{_UNIT}|a) hundred(?: and (?P<u2>{_UNIT}|{_TENS}))?"
    rf"|(?P<tens3>{_TENS})(?:[ -](?P<u3>{_UNIT}))?)\b"
)
# Every number said aloud holds one of these: a cheap test before `_SPOKEN` (no leading
# "\b", so `re` can skip ahead by first letter).
_NUMBER_WORD = re.compile("|".join(sorted([*_UNITS, *_TEENS_AND_TENS, "hundred"], key=len)[::-1]))
_DIGIT = re.compile(r"\d")
_BP_WORDS = re.compile(
    r"\b(?:bp|b p|blood ?pressure|pressure|presion|tension|cuff|monitor|reading|systolic"
    r"|diastolic|sistolica|diastolica|mmhg|la alta|la baja|la minima|la maxima|arterial"
    r"|(?:top|bottom|upper|lower) (?:number|#)|omron|la de (?:arriba|abajo)|the (?:high|low)"
    r"(?: one)?)(?!\w)"
)
# "presión 19 12": centimetres of mercury, with only a space between, when a blood pressure
# word is near.
_CMHG = re.compile(r"(?<![\d/.,])(?P<sys>[12]\d) (?P<dia>\d{1,2})(?![\d/])")
_PAIR = re.compile(
    r"(?<![\d/.,])(?P<sys>\d{2,3}) ?(?:/|\\|over|sobre|x|con|on|-) ?(?P<dia>\d{2,3})(?![\d/]|"
    r" ?(?:mg|mcg|pills|tablets|%))"
)
# One number named as the top or the bottom one: "top number 186", "la mínima 122".
_SYSTOLIC = re.compile(
    r"(?:systolic|sistolica|top (?:number|#)|upper number|top|la alta|la maxima|la de arriba"
    r"|the high(?: one)?"
    r"|(?:bp|blood pressure|pressure|presion|tension))(?:'s)?(?:\s+[a-z#']+){0,5}?\s+(?P<sys>\d{3})"
    r"(?![\d/]| ?(?:over|sobre|con|x\b|-))"
    r"|(?<!stolic )(?<!stolica )(?P<sys2>\d{3}) (?:systolic|sistolica|on top|top number|on the top"
    r"|la de arriba)"
)
_DIASTOLIC = re.compile(
    r"(?:diastolic|diastolica|bottom (?:number|#)|lower number|bottom|la baja|la minima|the low"
    r"(?: one)?"
    r"|la de abajo)(?:\s+[a-z#]+){0,4}?\s+(?P<dia>\d{2,3})(?![\d/])"
    r"|(?<!stolic )(?<!stolica )(?P<dia2>\d{2,3}) (?:diastolic|diastolica|on the bottom|bottom"
    r" number|la de abajo)"
)
_PULSE = re.compile(
    r"(?:pulse|heart ?rate|hr|heart|heartbeat|bpm|pulso|ritmo|frecuencia|corazon|latidos|watch"
    r"|fitbit|oximeter|oximetro)\D{0,40}?(?<![\d/])(?P<n>\d{2,3})(?![\d/]| ?(?:mg|%|over|/))"
    r"|(?P<n2>\d{2,3}) ?(?:bpm|beats|latidos|pulsaciones|de pulso|de frecuencia)"
)
_OXYGEN = re.compile(
    r"(?:o2|oxygen|spo2|sats?|saturation|oxigeno|saturacion|pulse ?ox\w*|oximeter)\D{0,20}?"
    r"(?P<n>\d{2,3}) ?%?"
)


def findings(folded: str) -> Iterator[Finding]:
    """Findings from the readings in a folded message (see `text.fold`)."""
    if _DIGIT.search(folded) is None and (
        _NUMBER_WORD.search(folded) is None or _SPOKEN.search(folded) is None
    ):
        return
    text = _digits(folded)
    reading = _blood_pressure(text)
    if reading is not None:
        systolic, diastolic, words = reading
        if systolic >= 180 or diastolic >= 120:
            yield Finding(
                Level.EMERGENCY, "blood_pressure", "blood pressure in crisis range", words
            )
        elif systolic >= 160 or diastolic >= 100:
            yield Finding(Level.URGENT, "blood_pressure", "blood pressure high", words)
    for match in _PULSE.finditer(text):
        rate = int(match.group("n") or match.group("n2"))
        if (rate >= 120 or 20 <= rate <= 40) and not _is_pair(text, match):
            yield Finding(Level.EMERGENCY, "heart", "pulse out of range", match.group())
            break
    for match in _OXYGEN.finditer(text):
        if 50 <= int(match.group("n")) < 92:
            yield Finding(Level.EMERGENCY, "breathing", "oxygen low", match.group())
            break


def _digits(text: str) -> str:
    """Numbers said in words written as digits: "one ninety over one twenty" -> "190 over 120"."""
    return _SPOKEN.sub(_spoken_value, text)


def _spoken_value(match: re.Match[str]) -> str:
    groups = match.groupdict()
    if groups["h4"]:
        value = 100 * _UNITS[groups["h4"]] + _UNITS[groups["u4"]]
    elif groups["tens"]:
        hundreds = 1 if groups["hundreds"] == "a" else _UNITS[groups["hundreds"]]
        value = 100 * hundreds + _TEENS_AND_TENS[groups["tens"]]
        value += _UNITS[groups["u1"]] if groups["u1"] else 0
    elif groups["h2"]:
        value = 100 * (1 if groups["h2"] == "a" else _UNITS[groups["h2"]])
        extra = groups["u2"]
        value += (_UNITS.get(extra) or _TEENS_AND_TENS.get(extra, 0)) if extra else 0
    else:
        value = _TEENS_AND_TENS[groups["tens3"]]
        value += _UNITS[groups["u3"]] if groups["u3"] else 0
    return str(value)


def _blood_pressure(text: str) -> tuple[int, int, str] | None:
    """The current blood pressure in `text` as (systolic, diastolic, words); 0 for a part not
    given."""
    context = _BP_WORDS.search(text) is not None
    readings: list[tuple[int, int, int, str]] = []
    pairs = [*_PAIR.finditer(text), *(_CMHG.finditer(text) if context else ())]
    for match in pairs:
        systolic, diastolic = int(match.group("sys")), int(match.group("dia"))
        separator = match.group()[len(match.group("sys")) : -len(match.group("dia"))].strip()
        if context and systolic < 30 and diastolic < 20 and systolic > diastolic:
            systolic, diastolic = systolic * 10, diastolic * 10  # "19/12": centimetres
        plausible = 70 <= systolic <= 300 and 30 <= diastolic <= 200 and systolic > diastolic
        if plausible and (context or separator in ("/", "over", "sobre", "x")):
            readings.append((match.start(), systolic, diastolic, match.group()))
    if context:
        for match in _SYSTOLIC.finditer(text):
            value = int(match.group("sys") or match.group("sys2"))
            if 80 <= value <= 300 and not _inside(match, readings):
                readings.append((match.start(), value, 0, match.group()))
        for match in _DIASTOLIC.finditer(text):
            value = int(match.group("dia") or match.group("dia2"))
            if 30 <= value <= 200 and not _inside(match, readings):
                readings.append((match.start(), 0, value, match.group()))
    if not readings:
        return None
    readings.sort()
    # The last full reading is the current one; single numbers after it (or all of them, when
    # no pair was given) complete it: "la baja en 125 y la alta en 170" is 170/125.
    pairs = [r for r in readings if r[1] and r[2]]
    start = readings.index(pairs[-1]) if pairs else 0
    current = readings[start:]
    systolic = max(r[1] for r in current)
    diastolic = max(r[2] for r in current)
    words = " ".join(" ".join(r[3].split()) for r in current)
    return systolic, diastolic, words


def _inside(match: re.Match[str], readings: list[tuple[int, int, int, str]]) -> bool:
    """True when a single number is part of a pair already read ("bp 190/115")."""
    start, end = match.span()
    return any(
        position < end and start < position + len(words) for position, _, _, words in readings
    ) or bool(re.match(r"\s*(?:/|over|sobre)", match.string[end:]))


def _is_pair(text: str, match: re.Match[str]) -> bool:
    return bool(re.match(r" ?(?:/|over|sobre)", text[match.end() :]))
