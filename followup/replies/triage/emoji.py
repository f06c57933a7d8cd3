"""Emoji that carry a crisis: a knife, a rope, a coffin, a skull beside sadness."""

from __future__ import annotations

import re

from followup.replies.triage.findings import Finding, Level

_VARIATION_SELECTORS = dict.fromkeys((0xFE0E, 0xFE0F), None)
_PILL = "\U0001f48a"
# Pill, knife, knot (rope), coffin, drop of blood, pistol, dagger: alert on their own.
_CRISIS_EMOJI = (
    _PILL,
    "\U0001f52a",
    "\U0001faa2",
    "\u26b0",
    "\U0001fa78",
    "\U0001f52b",
    "\U0001f5e1",
)
# Skull, skull and crossbones, headstone: mostly "I'm dead (laughing)" slang, so they alert
# only beside a sad emoji or a word of distress, and never beside a laugh.
_SKULLS = ("\U0001f480", "\u2620", "\U0001faa6")
_SAD_EMOJI = frozenset("\U0001f622\U0001f61e\U0001f614\U0001f494\U0001f940\U0001f63f\U0001f625")
_SAD_EMOJI |= frozenset("\U0001f613\U0001f5a4\U0001f641\u2639\U0001f629\U0001f62b")
_LAUGH_EMOJI = frozenset("\U0001f602\U0001f923\U0001f606\U0001f639\U0001f605")
_DISTRESS = re.compile(
    r"\b(?:tired|exhausted|done|alone|lonely|sad|depressed|empty|numb|hopeless|worthless|hate"
    r"|sorry|goodbye|bye|pain|hurt\w*|cry\w*|cried|anymore|forever|tonight|gone|end|over|burden"
    r"|give up|miss me|last|leave|want out)\b"
)
_LAUGH = re.compile(r"\b(?:l+o+l+\w*|lmf?a+o+\w*|rofl\w*|h+a+h+a+\w*|h+e+h+e+\w*|ja+ja+\w*|jk)\b")
# "took my 💊 this morning" is the routine the pill emoji stands for most of the time.
_ROUTINE = re.compile(
    r"\b(?:took my|take my|usual|morning|evening|daily|refill|pharmacy|vitamins?|remember\w*"
    r"|reminder|on time|dose|doses)\b"
)


def finding(text: str, flat: str) -> Finding | None:
    """A crisis finding from the emoji in `text` (`flat` is its folded words), or None."""
    plain = text.translate(_VARIATION_SELECTORS)
    for emoji in _CRISIS_EMOJI:
        if emoji in plain and not (emoji == _PILL and _ROUTINE.search(flat)):
            return Finding(Level.CRISIS, "emoji", "crisis emoji", emoji)
    skull = next((emoji for emoji in _SKULLS if emoji in plain), None)
    if skull is None or _LAUGH.search(flat) or any(ch in _LAUGH_EMOJI for ch in plain):
        return None
    sad = next((ch for ch in plain if ch in _SAD_EMOJI), None)
    if sad is not None:
        return Finding(Level.CRISIS, "emoji", "crisis emoji", skull + sad)
    word = _DISTRESS.search(flat)
    if word is None:
        return None
    return Finding(Level.CRISIS, "emoji", "crisis emoji", f"{skull} {word.group()}")
