"""Read a reply to a rating-scale item: one answer or several, as numbers or words.

"2", "1 2 0 3 1 1 0 2 0", "1,2,0,3", "several days", "casi todos los días", "2 - more than
half the days", "1) 2 2) 0 3) 1": each reads as answer values in order. Pure; None when
the reply is not a clear set of answers, so the caller asks again instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from followup.protocol.instruments import AnswerOption

_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u2018\u02bc`\u00b4"), None)
# A minus sign before a number keeps it apart ("-1" is no answer), unless it joins two
# numbers ("1-2-0" lists three).
_TOKEN = re.compile(r"(?<!\w)-\d+|\d+|[a-z]+")
# Words around answers that change nothing: "my answers are 1 2 0", "q1: 2", "ok 3 thanks".
_FILLER = frozenset(
    """
    a an and answer answers are as be both de el es for i id im is it its la las los me mi
    mis my number numbers ok okay or please pregunta preguntas q question questions
    respuesta respuestas say says so son that the thank thanks then this to um uh y yes
    would gracias item items
    """.split()
)


# Numbers written as words; a digit run such as "120311020" is split by the caller.
_NUMBER_WORDS = {
    "zero": 0, "cero": 0, "one": 1, "uno": 1, "una": 1, "two": 2, "dos": 2,
    "three": 3, "tres": 3, "four": 4, "cuatro": 4, "five": 5, "cinco": 5,
}  # fmt: skip
# "skip", "pass": the patient chooses not to answer this item.
SKIP_WORDS = frozenset({"skip", "pass", "next", "saltar", "siguiente", "paso", "omitir"})


@dataclass(frozen=True, slots=True)
class Reading:
    """The answer values a reply gives, in order, and whether it says more than answers."""

    values: tuple[int, ...]
    # Words besides the answers ("2, sleeping badly"): a person reads the message.
    remark: bool = False


def fold(text: str) -> str:
    """Lower case, no accents or apostrophes ("Más" -> "mas", "don't" -> "dont")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _phrases(options: Sequence[AnswerOption]) -> list[tuple[tuple[str, ...], int]]:
    """Every way of naming an option, as word tuples, longest first."""
    found: dict[tuple[str, ...], int] = {}
    for option in options:
        for said in (*option.label.values(), *option.words):
            words = tuple(_TOKEN.findall(fold(said)))
            if words:
                found.setdefault(words, option.value)
    return sorted(found.items(), key=lambda pair: -len(pair[0]))


@dataclass(frozen=True, slots=True)
class _Unit:
    value: int
    said_as: str  # "number", "words", or "both" once a pair is merged
    end: int  # the token index after it


def _units(tokens: list[str], options: Sequence[AnswerOption]) -> tuple[list[_Unit], str]:
    """The answers in a reply, in order, and where other words stand: "" (none), "before",
    "after" (the answers), or "around" (both sides, or between answers)."""
    phrases = _phrases(options)
    units: list[_Unit] = []
    others: list[int] = []  # how many answers came before each other word
    at = 0
    while at < len(tokens):
        token = tokens[at]
        if token.isdigit() or token in _NUMBER_WORDS:
            value = int(token) if token.isdigit() else _NUMBER_WORDS[token]
            units.append(_Unit(value, "number", at + 1))
            at += 1
            continue
        for words, value in phrases:
            if tuple(tokens[at : at + len(words)]) == words:
                units.append(_Unit(value, "words", at + len(words)))
                at += len(words)
                break
        else:
            if token not in _FILLER:
                others.append(len(units))
            at += 1
    if not others:
        return _merge_pairs(units), ""
    if all(count == 0 for count in others):
        return _merge_pairs(units), "before"
    if all(count == len(units) for count in others):
        return _merge_pairs(units), "after"
    return _merge_pairs(units), "around"


def _merge_pairs(units: list[_Unit]) -> list[_Unit]:
    """ "2 more than half the days" and "several days (1)" say one answer twice."""
    merged: list[_Unit] = []
    for unit in units:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.value == unit.value
            and {last.said_as, unit.said_as} == {"number", "words"}
        ):
            merged[-1] = _Unit(last.value, "both", unit.end)
            continue
        merged.append(unit)
    return merged


def _numbered(values: list[int], counts: Collection[int]) -> list[int] | None:
    """ "1) 2 2) 0 3) 1" or "1:2 2:0": item numbers 1..k before each answer (k >= 3, as
    "1 2" is more likely two answers than one numbered one)."""
    if len(values) % 2 or len(values) < 6 or len(values) // 2 not in counts:
        return None
    if values[0::2] != list(range(1, len(values) // 2 + 1)):
        return None
    return values[1::2]


def _split_digit_run(tokens: list[str], counts: Collection[int]) -> list[str]:
    """ "120311020" typed without spaces: one digit an answer, when the count fits."""
    digits = [t for t in tokens if t.isdigit()]
    if len(digits) == 1 and len(digits[0]) > 1 and len(digits[0]) in counts:
        at = tokens.index(digits[0])
        return [*tokens[:at], *digits[0], *tokens[at + 1 :]]
    return tokens


def is_skip(text: str) -> bool:
    """True for "skip", "pass" or "saltar" alone: the patient leaves this item unanswered."""
    return " ".join(_TOKEN.findall(fold(text))) in SKIP_WORDS


def read_answers(
    text: str, options: Sequence[AnswerOption], counts: Collection[int]
) -> Reading | None:
    """The answers a reply gives, in order; None when it gives none or one out of range.

    `counts` are the numbers of answers that make sense here: "1) 2 2) 0 3) 1" reads as a
    numbered list only when its length does, and the caller refuses any other count."""
    tokens = _split_digit_run(_TOKEN.findall(fold(text)), counts)
    units, other = _units(tokens, options)
    # "I had 2 bad days" is a sentence with a number in it, not an answer.
    if not units or other == "around":
        return None
    highest = max(option.value for option in options)
    values = [unit.value for unit in units]
    if len(values) not in counts or max(values) > highest:
        numbered = _numbered(values, counts)
        if numbered is not None and max(numbered) <= highest:
            values = numbered
        elif max(values) > highest:
            return None
    return Reading(tuple(values), remark=bool(other))
