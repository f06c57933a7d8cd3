"""Text preparation for triage: one folded form of a message, and its spelling variants.

Case, accents, apostrophes ("dont"/"don't"), missing spaces ("killmyself"), digits for
letters ("k1ll") and stretched letters ("diiie") must not matter. Clause punctuation
(. , ; ! : and line breaks) is kept as a "|" token and a question mark as "?": phrases
match across them, but a negation ("no, my chest hurts") does not reach past them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

BOUNDARY = "|"
QUESTION = "?"
Span = tuple[int, int]

_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc`\u00b4\u2032\uff07", "'"))
_CLAUSE = re.compile(r"[.!;,:\n\u2026]+|\s-+\s")
_QUESTION = re.compile(r"[?\u00bf]+")
_NOT_WORD = re.compile(r"[^\w'|?]+|_+")
_EDGES = re.compile(r"^(?:[|?] )+|(?: [|?])+$")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
# Digits written for letters inside a word ("su1c1de", "k1ll"); whole numbers stay numbers.
_LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9])\w+\b")
_LEET = str.maketrans("013457", "oieast")
_DIGIT = re.compile("[0-9]")


def fold(text: str) -> str:
    """Casefold, strip accents and unify apostrophes to "'"."""
    if text.isascii():  # most messages: no accents, and casefold is lower()
        return text.lower().translate(_APOSTROPHES)
    folded = unicodedata.normalize("NFKD", text).casefold()
    folded = unicodedata.normalize("NFKD", folded.translate(_APOSTROPHES))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return folded.translate(_APOSTROPHES)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message ready for the rules.

    `folded` keeps every character (for numbers such as "190/115"); `apostrophed` is
    words, clause marks and question marks with apostrophes kept ("od'd"); `variants` are the flat text
    (apostrophes deleted: "don't" -> "dont") and, where they differ, the same with digits
    inside words read as letters and stretched letters cut to two and to one.
    """

    folded: str
    apostrophed: str
    variants: tuple[str, ...]


def prepare(text: str) -> Prepared:
    """Fold a message once for every rule."""
    folded = fold(text)
    marked = _CLAUSE.sub(f" {BOUNDARY} ", folded)
    if "?" in marked or "\u00bf" in marked:
        marked = _QUESTION.sub(f" {QUESTION} ", marked)
    apostrophed = " ".join(_NOT_WORD.sub(" ", marked).split())
    if apostrophed[:1] in _MARKS or apostrophed[-1:] in _MARKS:
        apostrophed = _EDGES.sub("", apostrophed)
    return Prepared(folded, apostrophed, _variants(apostrophed))


_MARKS = frozenset((BOUNDARY, QUESTION))


# Someone else writing about the patient ("she keeps hitting her head on the wall", "dice
# que se quiere morir") reads as the patient's own words in one more variant.
_THIRD_PERSON_WORDS = frozenset(
    "he she his her him himself herself themselves se su sus el ella quiere tiene".split()
)
# Spanish "he" is "I have" ("no he tenido"): English mappings only for English messages.
_SPANISH = re.compile(
    r"\b(?:que|de|la|los|las|el|estoy|tengo|pero|porque|mi|muy|yo|para|con|una|se|su|y|no|me"
    r"|al|del|es|esta|soy|lo|le|ya|por|hoy|mas|dice|quiere)\b"
)
_SPANISH_HE = re.compile(r"\b(?:no |ya |nunca |jamas )?he \w+(?:ado|ido|to|cho)\b")
_FIRST_PERSON = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\b(?:he|she) (?:is|s)\b", "i am"),
        (r"\b(?:he|she) (?:isnt|is not)\b", "i m not"),
        (r"\b(?:he|she) has\b", "i have"),
        (r"\b(?:he|she) (?:does|doesnt|does not)\b", "i dont"),
        (
            r"\b(?:he|she) (want|keep|say|think|feel|need|plan|hate|cut|burn|hit|talk|bang|scratch"
            r"|punch|hurt)s\b",
            r"i \1",
        ),
        (r"\b(?:himself|herself|themselves|themself)\b", "myself"),
        (r"\b(?:his|her)\b", "my"),
        (r"\bhim\b", "me"),
        (r"\b(?:he|she)\b", "i"),
        # Spanish from here on.
        (r"\bse (quiere|va a|esta|hizo|corto|mata|lastima|golpea|quema)\b", r"me \1"),
        (r"\bquiere\b", "quiero"),
        (r"\bva a\b", "voy a"),
        (r"\bme esta\b", "me estoy"),
        (r"\bme hizo\b", "me hice"),
        (r"\b(corta|golpea|quema|lastima|rasca)ndose\b", r"\1ndome"),
        (r"\bsus\b", "mis"),
        (r"\bsu\b", "mi"),
        (r"\btiene\b", "tengo"),
    )
)


_ENGLISH_MAPPINGS = 9


def _first_person(flat: str) -> str:
    spanish = len(_SPANISH.findall(flat)) >= 3 or _SPANISH_HE.search(flat) is not None
    for index, (pattern, replacement) in enumerate(_FIRST_PERSON):
        if (index < _ENGLISH_MAPPINGS) != spanish:
            flat = pattern.sub(replacement, flat)
    return flat


# Txt-speak and common misspellings written out, in one more variant: "m kiero matar",
# "goin to the brige", "dont wana b here".
_SLANG = {
    "u": "you", "ur": "your", "b": "be", "r": "are", "n": "and", "w": "with", "bc": "because",
    "cuz": "because", "cos": "because", "rn": "right now", "tn": "tonight", "tonite": "tonight",
    "2nite": "tonight", "tmrw": "tomorrow", "tmr": "tomorrow", "2morrow": "tomorrow",
    "wanna": "want to", "wana": "want to", "gonna": "going to", "gotta": "got to",
    "ppl": "people", "abt": "about", "bout": "about", "enuff": "enough", "goin": "going",
    "tryin": "trying", "nothin": "nothing", "thinkin": "thinking", "brige": "bridge",
    "pils": "pills", "myslef": "myself", "mysef": "myself", "agian": "again", "kno": "know",
    "dnt": "dont", "cant": "cant", "sry": "sorry", "sory": "sorry", "evry": "every",
    "kiero": "quiero", "kiere": "quiere", "k": "que", "q": "que", "xq": "porque",
    "pq": "porque", "x": "por", "pa": "para", "d": "de", "m": "me", "toy": "estoy",
    "tas": "estas", "tamos": "estamos", "tqm": "te quiero mucho", "xfa": "por favor",
    "porfa": "por favor", "ntp": "no te preocupes", "nadien": "nadie", "aki": "aqui",
    "w o": "without", "wit out": "without", "witout": "without", "endin": "ending",
    "latly": "lately", "wud": "would", "culd": "could", "shud": "should", "beter": "better",
    "beter of": "better off", "better of": "better off", "evry one": "everyone",
    "evryone": "everyone", "disapear": "disappear", "bak": "back", "tho": "though",
    "dyin": "dying", "livin": "living", "killin": "killing", "hurtin": "hurting",
}  # fmt: skip
_SLANG_WORD = re.compile(
    r"\b(?:" + "|".join(map(re.escape, sorted(_SLANG, key=len, reverse=True))) + r")\b"
)
# Whether to run `_SLANG_WORD` at all, for the price of a set lookup: each key's first word.
_SLANG_FIRST = frozenset(key.split()[0] for key in _SLANG)


def _variants(apostrophed: str) -> tuple[str, ...]:
    flat = " ".join(apostrophed.replace("'", "").split())
    variants = [flat]
    words = frozenset(flat.split(" "))
    if not words.isdisjoint(_SLANG_FIRST) and _SLANG_WORD.search(flat):
        variants.append(_SLANG_WORD.sub(lambda word: _SLANG[word.group()], flat))
    if not words.isdisjoint(_THIRD_PERSON_WORDS):
        variants.append(_first_person(flat))
    # Most messages have neither digits nor stretched letters: no substitution to try.
    digits = _DIGIT.search(flat) is not None
    unleet = _LEET_WORD.sub(lambda word: word.group().translate(_LEET), flat) if digits else flat
    stretched = _STRETCHED.search(flat) is not None or (
        unleet is not flat and _STRETCHED.search(unleet) is not None
    )
    for base in (flat, unleet):
        cut = (_STRETCHED.sub(r"\1\1", base), _STRETCHED.sub(r"\1", base)) if stretched else ()
        for variant in (base, *cut):
            if variant not in variants:
                variants.append(variant)
    return tuple(variants)


# A space next to a word wildcard ("\w+ ", " \w+") is at least one real space, so that
# "(?:\w+ )?ready" cannot read "already" as "al" and "ready"; any other space may also be
# nothing, so that "kill myself" finds "killmyself".
_WILDCARD_SPACE = re.compile(r"(?<=[+*]) |(?<=[+*]\)) | (?=\\w)| (?=\(\?:\\w)")


def compile_phrase(pattern: str) -> re.Pattern[str]:
    """Compile a phrase pattern: each space is a run of spaces and clause marks ("goodbye,
    everyone"), or nothing between two words ("killmyself") but next to a word wildcard;
    " ?" is an optional space; "~" is one space inside a clause. The phrase starts and ends
    at word boundaries; `^` and `$` are the message's first and last word."""
    body = pattern.replace(" ?", "\x01")
    body = _WILDCARD_SPACE.sub("\x00", body)
    body = body.replace(" ", r"[\s|?]*").replace("\x00", r"[\s|?]+").replace("\x01", r"[\s|?]*")
    return re.compile(r"\b(?:" + body.replace("~", " ") + r")\b")


def alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern ("a|b(?:c|d)" -> "a", "b(?:c|d)")."""
    parts, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1 : index + 2] in ("]", "^"):  # "[]...]", "[^]...]"
                index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    return parts


# A word of the same clause that does not turn it ("but", "pero"): what a negation reaches.
CLAUSE_WORD = r"(?!(?:but|pero|though|although|except|aunque|sino|yet)\b)[^\s|?]+"


def words_within(n: int) -> str:
    """0..n whole words inside one clause and before any "but", each followed by a space."""
    return rf"(?:{CLAUSE_WORD}~){{0,{n}}}"


def first_unmasked(
    patterns: Sequence[re.Pattern[str]], variants: Sequence[str], masks: Sequence[list[Span]]
) -> str | None:
    """The first match of the first pattern that matches, in any variant, outside every span
    of that variant's mask (a match wholly inside a span does not count)."""
    for pattern in patterns:
        for variant, mask in zip(variants, masks, strict=True):
            first = pattern.search(variant)  # most live patterns match nothing: no iterator
            if first is None:
                continue
            if not mask:
                return first.group()
            for match in pattern.finditer(variant, first.start()):
                start, end = match.span()
                if not any(m_start <= start and end <= m_end for m_start, m_end in mask):
                    return match.group()
    return None
