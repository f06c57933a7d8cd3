"""Passwords attackers try first: a bundled list, and the usual ways one is dressed up.

The list is Django's (`common-passwords.txt.gz`, BSD licence): 19,640 passwords from breach
corpora compiled by Royce Williams, lower-cased. Fewer than 200 of them are 12 characters
or more, so the list alone refuses little that the length rule lets through; what matters
is the same words dressed up to reach 12: "Password2024!", "p@ssw0rd1234",
"iloveyouiloveyou", "Summer!!2025". So a password counts as common when, lower-cased:

- it is on the list, or is a run ("abcdefghijkl", "098765432109", a keyboard row);
- what is left after taking digits, punctuation and spaces off one end or both, read with
  the usual look-alikes undone (0→o, 1→i or l, 3→e, 4 and @→a, 5 and $→s, 7→t), is on the
  list or is the person's own address before the @, and what was taken off is short (six
  characters or fewer) or itself common or a run;
- it is one piece repeated ("abcabcabcabc", "qwertyqwerty") whose piece is short or common.

Passphrases of ordinary words ("correct horse battery") are not refused: each word may be
on the list, the phrase is not.
"""

from __future__ import annotations

import gzip
import string
from collections.abc import Iterable
from functools import cache
from pathlib import Path

LIST = Path(__file__).with_name("common-passwords.txt.gz")
# Only a word this long carries the guess: "ab" + ten random digits is not "ab".
MIN_CORE = 4
SHORT_AFFIX = 6
_AFFIX = string.digits + string.punctuation + " "
_SEPARATORS = str.maketrans("", "", " -_.")
_LOOK_ALIKES = (
    str.maketrans("013@4$57!", "oieaassti"),
    str.maketrans("013@4$57!", "oleaasstl"),
)
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", string.ascii_lowercase)


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, read once per process."""
    with gzip.open(LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common(password: str, context: Iterable[str] = ()) -> bool:
    """Whether `password` is on the list, or one of its entries (or a `context` word,
    such as the person's own name) dressed up with digits, symbols and look-alikes."""
    known = common_passwords()
    words = {w.lower().translate(_SEPARATORS) for w in context if len(w) >= MIN_CORE}
    lowered = password.lower().strip()
    for text in {lowered, lowered.translate(_SEPARATORS)}:
        if text in known or _is_run(text) or _repeats(text, known):
            return True
        for core, affix in _cores(text):
            if len(core) < MIN_CORE and len(affix) > SHORT_AFFIX:
                continue
            if any(form in known or form in words for form in _forms(core)) and (
                len(affix) <= SHORT_AFFIX or affix in known or _is_run(affix)
            ):
                return True
    return False


def _cores(text: str) -> list[tuple[str, str]]:
    """The text without digits and punctuation at its start, end, or both; and what went."""
    both, start, end = text.strip(_AFFIX), text.lstrip(_AFFIX), text.rstrip(_AFFIX)
    found = [(both, text.replace(both, "", 1)), (start, text[: len(text) - len(start)])]
    found.append((end, text[len(end) :]))
    return [(core, affix) for core, affix in found if core and core != text]


def _forms(core: str) -> set[str]:
    return {core} | {core.translate(table) for table in _LOOK_ALIKES}


def _is_run(text: str) -> bool:
    """One character again and again, or a stretch of a row read either way."""
    if len(text) < 3:
        return False
    if len(set(text)) == 1:
        return True
    return any(text in row + row or text in (row + row)[::-1] for row in _ROWS)


def _repeats(text: str, known: frozenset[str]) -> bool:
    """The text is one piece written two or more times, and the piece is weak."""
    period = (text + text).find(text, 1)
    if period >= len(text):
        return False
    piece = text[:period]
    return len(piece) <= SHORT_AFFIX or any(form in known for form in _forms(piece))
