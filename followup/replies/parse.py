"""Read a patient's SMS reply: opt-out keywords, scores, yes/no, choices and confirmations.

Pure functions: no database, no I/O, no logging. Every parser answers None when it is not
sure what the patient meant, so the caller asks again instead of acting on a guess.
Crisis triage is not done here: `followup.replies.triage` runs on every message first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Keyword(StrEnum):
    """A carrier-style control word: opt out, opt back in, or ask for help."""

    STOP = "stop"
    START = "start"
    HELP = "help"


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice question: its key and the words that name it.

    Labels are matched after `normalise`, in any language, a whole word or phrase at a time;
    the key itself is not a label. Options are numbered 1..n in the order they are given.
    """

    key: str
    labels: tuple[str, ...] = ()


# --- normalising -----------------------------------------------------------------------------

# Apostrophes vanish rather than split a word, so "don't" reads as "dont" and "I'm" as "im".
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u2018\u02bc`\u00b4\u2032\uff07"), None)
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
# A token is, in this order: a negative number ("-1", kept so it is not read as 1); a decimal
# or a time ("7.5", "2:30"); a range of whole numbers ("6-7", also written "6 - 7"); a run
# of letters and digits; or a list/score separator.
_TOKEN = re.compile(
    r"(?<!\S)-[0-9]+(?:[.:][0-9]+)*|[0-9]+(?:[.:][0-9]+)+|[0-9]+(?:\s*-\s*[0-9]+)+|[^\W_]+|[/,&+]"
)
_SPACE = re.compile(r"\s+")
SEPARATORS = frozenset("/,&+")


def normalise(text: str) -> str:
    """Fold `text` for matching: lower-case, unaccented tokens joined by single spaces.

    Exactly: NFKD, casefold, and drop combining marks (so "Sí" is "si", "ñ" is "n",
    fullwidth letters and digits are ASCII); delete apostrophes ("don't" -> "dont"); then
    keep only tokens: negative numbers ("-1"), decimals and times ("7.5", "2:30"), ranges
    ("6 - 7" -> "6-7"), runs of letters/digits, and the separators "/", ",", "&" and "+" as
    tokens of their own ("1,3" -> "1 , 3"). Everything else (other punctuation, symbols,
    emoji, "_") separates tokens and is dropped.
    """
    if text.isascii():
        # Most replies: ASCII has no compatibility forms, accents or other dashes, and its
        # casefold is lower().
        folded = text.translate(_APOSTROPHES).lower()
    else:
        # NFKD before casefolding: compatibility forms can decompose to capitals ("\U0001f110").
        folded = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES)).casefold()
        folded = unicodedata.normalize("NFKD", folded).translate(_APOSTROPHES)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
        folded = folded.translate(_DASHES)
    # Only a range ("6 - 7") can hold spaces; the other tokens are kept as they are.
    return " ".join(
        _SPACE.sub("", token) if "-" in token else token
        for token in (match.group() for match in _TOKEN.finditer(folded))
    )


def words_of(text: str) -> list[str]:
    """The normalised tokens of `text` without separators."""
    return [token for token in normalise(text).split() if token not in SEPARATORS]


# Courtesy around a keyword ("Stop. Thank you", "STOP please", "stop now!!") does not change it.
_COURTESY = frozenset(
    {
        *("please", "pls", "plz", "pleas", "plez", "thanks", "thank", "you", "thankyou", "thx"),
        *("ty", "tyvm", "now", "asap", "immediately", "ok", "okay", "sorry", "hi", "hello"),
        *("hey", "just", "gracias", "por", "favor", "porfa", "porfavor", "ya"),
        # "Yes, stop" and "No. STOP." are still STOP.
        *("yes", "yeah", "yea", "si", "no", "k"),
    }
)


def core_words(words: list[str]) -> list[str]:
    """`words` without courtesy at either end and with immediate repeats ("stop stop") merged."""
    start, end = 0, len(words)
    while start < end and words[start] in _COURTESY:
        start += 1
    while end > start and words[end - 1] in _COURTESY:
        end -= 1
    core: list[str] = []
    for word in words[start:end]:
        if not core or core[-1] != word:
            core.append(word)
    return core


# --- keywords --------------------------------------------------------------------------------

# Compared with the core's words joined without spaces, so "OPT OUT", "opt-out" and "Stop all"
# match too. The CTIA/Twilio opt-out set, plus Spanish PARAR. Left out on purpose, because
# as a whole reply they are also ordinary answers: BAJA and ALTO ("low"/"high" answer "how
# is your mood?") and CANCELAR (in a clinic thread it most often means the appointment).
STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "unsub", "cancel", "end", "quit", "optout", "revoke"}
    | {"parar", "pare", "paren", "detener", "desuscribir", "desuscribirme", "desuscribirse"}
    | {"cancelarsuscripcion"}
)
_STOP_PHRASES = frozenset(
    {"leave me alone", "take me off", "remove me", "unsubscribe me", "opt me out", "stop it"}
    | {"stop this"}
)
_START_WORDS = frozenset({"start", "unstop"})
_HELP_WORDS = frozenset({"help", "info", "ayuda"})

_MSGS = r"(?:texts?|texting|txts?|txting|messages?|messaging|msgs?|sms|reminders?|notifications?|alerts?)"
# Plain-language revocations, each anchored to the messages themselves (texting, messages,
# a list, unsubscribing) so that "the nausea didn't stop" or "I had to cancel my ride" never
# opt a patient out.
_REVOCATIONS = tuple(
    re.compile(pattern)
    for pattern in (
        r"\b(?:stop|quit|cease)\s+(?:\w+\s+)?(?:texting|txting|messaging|contacting|spamming|bothering|harassing)\b",
        rf"\b(?:stop|quit|cease)\s+(?:\w+\s+)?(?:sending|send)\s+(?:me\s+)?(?:\w+\s+){{0,2}}?{_MSGS}\b",
        r"\b(?:stop|no more|enough|quit)\s+(?:with\s+)?(?:(?:all|of|the|these|those|this|your|ur|stupid)\s+){0,3}"
        + _MSGS
        + r"\b",
        # "don't text me anymore" but not "don't text me before 9" (a timing wish, not a revocation)
        r"\b(?:dont|do not|never)\s+(?:ever\s+)?(?:(?:text|txt|message|msg|sms|contact|email)(?:ing)?\s+me"
        rf"|send\s+(?:me\s+)?(?:(?:any\s*more|anymore|any|more|these|those|the|your)\s+)*{_MSGS})\b"
        r"(?!\s+(?:before|after|until|till|til|at|so|early|late|on|during|between|in|when|while|if|unless|about|tonight|today|tomorrow)\b)",
        r"\b(?:unsubscribe|unsubscribing|unsubscribed|unsub|optout|opt\s+out|opt\s+me\s+out|opting\s+out)\b",
        r"\b(?:take|remove|delete|drop|get|erase|unenroll|unenrol|unsubscribe|unregister)\s+"
        r"(?:me|my\s+(?:phone\s+)?number|this\s+(?:phone\s+)?number|my\s+name)\s+(?:off|from|out\s+of)\s+"
        r"(?:\w+\s+){0,2}?(?:list|lists|texts?|messages?|sms|this|these|it|contacts?|program|service|system|database|reminders?|texting|messaging)\b",
        r"\b(?:dont|do not|no longer)\s+(?:want|wish|need)\s+(?:to\s+(?:receive|get|be\s+sent)\s+)?"
        rf"(?:(?:any\s*more|anymore|these|your|the|any|more|those|this)\s+)*{_MSGS}\b",
        r"\b(?:dont|do not|no longer)\s+(?:want|wish)\s+to\s+be\s+(?:contacted|texted|messaged)\b",
        r"\b(?:revoke|withdraw|cancel|take back)\s+(?:my\s+)?(?:consent|permission)\b",
        r"\b(?:retiro|revoco|cancelo|anulo)\s+(?:mi\s+)?(?:consentimiento|permiso|autorizacion)\b",
        # Spanish: "no me manden más mensajes", "dejen de escribirme", "darme de baja".
        r"\bno\s+me\s+(?:manden|envien|escriban|mande|envie|escriba|mandes|envies|escribas|contacten|contacte|textees|texteen|molesten)\s+(?:mas|mensajes|textos|sms)\b",
        r"\bno\s+(?:quiero|deseo)\s+(?:recibir\s+)?(?:mas\s+)?(?:mensajes|textos|sms|recordatorios)\b",
        r"\bno\s+mas\s+(?:mensajes|textos|sms|recordatorios)\b",
        r"\b(?:dejen|deja|deje|paren|pare)\s+de\s+(?:mandar|enviar|escribir|mandarme|enviarme|escribirme|contactarme|textearme|molestarme)\b",
        r"\b(?:darme|dar|dame|denme|deme|doy)\s+de\s+baja\b",
        r"\b(?:(?:quit|sac|borr|elimin)(?:ar|en|e|a)|saqu(?:en|e))me\s+de\s+(?:la|su|esta|tu|sus)\s+(?:lista|mensajes)\b",
        # "ya no me escriban", but not "no me escriban antes de las 9" (a timing wish).
        r"\bno\s+me\s+(?:escriban|escribas|escriba|textees|texteen|contacten|molesten)\b"
        r"(?!\s+(?:antes|despues|hasta|a|por|en|el|manana|hoy|durante|entre|temprano|tarde)\b)",
        r"\bcancel(?:en|e|ar|a)\s+(?:todos\s+)?(?:los|mis|estos|sus)\s+(?:mensajes|textos|recordatorios|sms)\b",
    )
)
# "don't unsubscribe me", "I can't stop texting her": a negation just before is not a
# revocation. Only an adverb may stand between, so "why don't you stop texting me" still is.
_NEGATED = re.compile(
    r"\b(?:dont|do not|didnt|did not|doesnt|cant|cannot|can not|couldnt|wont|will not|never|not)"
    r"(?:\s+(?:ever|really|just|even|actually))?\s*$"
)


def keyword(text: str) -> Keyword | None:
    """The opt-out, opt-in or help keyword `text` amounts to, or None for any other reply.

    STOP also covers plain-language revocations about the messages ("please stop texting me",
    "take me off your list"); START and HELP must be the whole message ("HELP!", "info?").
    """
    words = words_of(text)
    if not words:
        return None
    joined = "".join(words)
    if joined in _HELP_WORDS:
        return Keyword.HELP
    core = core_words(words)
    if "".join(core) in _START_WORDS:
        return Keyword.START
    if "".join(core) in STOP_WORDS or " ".join(core) in _STOP_PHRASES:
        return Keyword.STOP
    phrase = " ".join(words)
    for pattern in _REVOCATIONS:
        for match in pattern.finditer(phrase):
            if not _NEGATED.search(phrase, 0, match.start()):
                return Keyword.STOP
    return None


# --- scales ----------------------------------------------------------------------------------

_NUMBER_WORDS: Mapping[str, int] = {
    **{"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7},
    **{"eight": 8, "nine": 9, "ten": 10},
    **{"cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6},
    **{"siete": 7, "ocho": 8, "nueve": 9, "diez": 10},
}
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_HAS_DIGIT = re.compile(r"[0-9]")
# Words that turn the next number into the size of the scale: "7/10", "7 out of 10".
_OVER = frozenset({"/", "outta", "sobre"})
# These only do so between two numbers ("7 of 10", "7 de 10"), not in "alrededor de 7".
_OVER_BETWEEN = frozenset({"of", "de"})


def _number(token: str) -> int | None:
    """The whole number a token spells in digits or as an English/Spanish word 0-10."""
    if _WHOLE_NUMBER.fullmatch(token):
        # Past nine digits it is out of any scale; int() of thousands of digits would raise.
        return int(token) if len(token.lstrip("0")) <= 9 else 10**10
    return _NUMBER_WORDS.get(token)


def _scale_size_at(tokens: list[str], at: int) -> int | None:
    """Where the scale size is if tokens[at:] reads "/ 10", "out of 10" or "of 10"; else None."""
    if at < len(tokens) and tokens[at] in _OVER | _OVER_BETWEEN:
        size_at = at + 1
    elif tokens[at : at + 2] == ["out", "of"]:
        size_at = at + 2
    else:
        return None
    return size_at if size_at < len(tokens) and _number(tokens[size_at]) is not None else None


def parse_scale(text: str, low: int = 0, high: int = 10) -> int | None:
    """The one whole number from `low` to `high` the reply gives, or None to ask again.

    "7", "7/10", "7 out of 10", "about a 6", "Seven.", "siete" read as a score; a decimal
    ("7.5"), a range ("6-7"), two numbers ("2 days ago it was 8"), a number outside the
    scale ("11") or a different scale ("3/5" on a 0-10 question) are None.
    """
    tokens = normalise(text).split()
    scores: list[int] = []
    at = 0
    while at < len(tokens):
        token = tokens[at]
        value = _number(token)
        if value is None:
            if _HAS_DIGIT.search(token):
                return None  # "7.5", "6-7", "2pm": not one whole number on the scale
            at += 1
            continue
        size_at = _scale_size_at(tokens, at + 1)
        if size_at is not None:
            if _number(tokens[size_at]) != high:
                return None
            scores.append(value)
            at = size_at + 1
            continue
        # A size written first: "out of 10, a 7", "/10".
        if (at >= 1 and tokens[at - 1] in _OVER) or tokens[max(at - 2, 0) : at] == ["out", "of"]:
            if value != high:
                return None
            at += 1
            continue
        scores.append(value)
        at += 1
    if len(scores) != 1:
        return None
    return scores[0] if low <= scores[0] <= high else None


# --- yes / no and confirmations --------------------------------------------------------------

_YES_WORD = re.compile(
    r"y|ye+s+|ye+a+h*|ye+h+|ye+p+|yu+p+|ya+s+|yessir|yah|aye|sure|ok+|okay+|okey|k+|si+|claro"
    r"|correct|correcto|correcta|affirmative|absolutely|definitely|certainly|vale|mhm+|yessum"
)
_NO_WORD = re.compile(r"n|no+|nope+|nah+|nop|naw+|negative|nay")
_POLITE_WORD = re.compile(
    r"please|pls|plz|thanks|thank|you|thankyou|thx|ty|gracias|lol+|ha(?:ha)+|jaja\w*"
)
_YES_PHRASES = (
    *("of course", "por supuesto", "i think so", "sounds good", "that works", "sure thing"),
    *("you bet", "uh huh", "i did", "i do", "i am", "im", "i have", "i will", "i can", "it is"),
    *("it was", "we did", "yes sir"),
)
_NO_PHRASES = (
    *("not really", "not yet", "no way", "not at all", "i dont think so", "i didnt", "i dont"),
    *("i am not", "im not", "i havent", "i have not", "i wont", "i cant", "it isnt", "it wasnt"),
    *("todavia no", "aun no", "para nada", "no thanks"),
)
_CONFIRM_PHRASES = (
    *("confirmed", "confirm", "confirming", "confirmado", "confirmada", "confirmo", "done"),
    *("ride arranged", "ride is arranged", "ride booked", "ride is booked", "all set"),
    *("im all set", "were all set", "got it", "see you then", "will do", "i have a ride"),
    *("i have my ride", "ride confirmed", "my ride is arranged", "listo", "lista", "de acuerdo"),
)


def _phrase_table(**classes: Sequence[str]) -> dict[tuple[str, ...], str]:
    return {tuple(phrase.split()): name for name, phrases in classes.items() for phrase in phrases}


_POLITE_PHRASES = ("thank you", "por favor", "muchas gracias")
_YES_NO_TABLE = _phrase_table(yes=_YES_PHRASES, no=_NO_PHRASES, polite=_POLITE_PHRASES)
_CONFIRM_TABLE = _phrase_table(
    yes=(*_YES_PHRASES, *_CONFIRM_PHRASES), no=_NO_PHRASES, polite=_POLITE_PHRASES
)
# Words in the longest phrase of either table: where to start looking at each position.
_LONGEST_PHRASE = max(len(phrase) for table in (_YES_NO_TABLE, _CONFIRM_TABLE) for phrase in table)


def _classify(words: list[str], table: Mapping[tuple[str, ...], str]) -> set[str] | None:
    """The set of "yes"/"no" the words say, reading the longest known phrase first; None if
    any word is neither a yes, a no nor courtesy ("yes and no", "not sure")."""
    said: set[str] = set()
    at = 0
    while at < len(words):
        for size in range(min(_LONGEST_PHRASE, len(words) - at), 0, -1):
            name = table.get(tuple(words[at : at + size]))
            if name is not None:
                if name != "polite":
                    said.add(name)
                at += size
                break
        else:
            word = words[at]
            if _YES_WORD.fullmatch(word):
                said.add("yes")
            elif _NO_WORD.fullmatch(word):
                said.add("no")
            elif not _POLITE_WORD.fullmatch(word):
                return None
            at += 1
    return said


def _one_answer(words: list[str], table: Mapping[tuple[str, ...], str]) -> str | None:
    said = _classify(words, table)
    return said.pop() if said is not None and len(said) == 1 else None


def parse_yes_no(text: str) -> bool | None:
    """True for a plain yes ("yes", "yep", "sure", "ok", "sí", "claro"), False for a plain no
    ("no", "nope", "nah"), None for anything else including "yes and no" or "not sure"."""
    answer = _one_answer(words_of(text), _YES_NO_TABLE)
    return None if answer is None else answer == "yes"


# One alternation, searched once: the same answer as searching each pattern (no group
# references to renumber), for one pass over the reply instead of six.
_CALL = re.compile(
    "|".join(
        f"(?:{pattern})"
        for pattern in (
            r"^(?:call|llamar|llamada|llamenme|llameme|llamame|llamarme)$",
            r"(?<!\bdont )(?<!\bdo not )(?<!\bnever )(?<!\bno need to )\bcall me\b",
            r"\b(?:please|pls|plz|can you|could you|can u|could u|can someone|could someone|would you"
            r"|can somebody|have someone|need a|need you to|want a|prefer a|id like a|give me a"
            r"|rather have a|rather get a)\s+call\b",
            r"\bllam(?:enme|eme|ame|arme)\b",
            r"\bme\s+(?:pueden|puede|podrian|podria|puedes|podrias)\s+llamar\b",
            r"\b(?:prefiero|quiero|necesito)\s+(?:una\s+)?llamada\b",
        )
    )
)


def parse_confirmation(text: str) -> Literal["yes", "call"] | None:
    """ "yes" for a yes or "confirmed"/"ride arranged"/"all set", "call" when the patient asks
    for a phone call ("CALL", "please call me", "llámenme"), else None.

    A call request wins over a yes in the same reply: a person on the phone is the safer path.
    """
    words = words_of(text)
    phrase = " ".join(core_words(words)) if words else ""
    if _CALL.search(phrase):
        return "call"
    return "yes" if _one_answer(words, _CONFIRM_TABLE) == "yes" else None


# --- choices ---------------------------------------------------------------------------------

_NONE_PHRASES = frozenset(
    {
        *("none", "nothing", "no", "nope", "nah", "na", "ninguno", "ninguna", "ningun", "nada"),
        *("none of them", "none of those", "none of these", "none of the above"),
        *("no symptoms", "ningun sintoma", "ninguno de ellos", "ninguna de ellas", "n / a"),
    }
)
_ALL_PHRASES = frozenset(
    {"all", "all of them", "all of those", "all of these", "all of the above", "all the above"}
    | {"todos", "todas", "todo", "todos ellos", "todas ellas"}
)
# Words that only carry a list ("1 and 3", "nausea, headache") or soften it ("a bit dizzy").
# "no" and "not" are absent on purpose: "not nausea" must not read as nausea.
_LIST_FILLER = frozenset(
    {
        *("and", "plus", "also", "with", "too", "as", "well", "then", "a", "an", "the", "some"),
        *("bit", "of", "little", "i", "ive", "id", "had", "have", "has", "got", "get", "my"),
        *("getting", "feel", "feeling", "felt", "im", "am", "was", "is", "it", "its", "very"),
        *("really", "mild", "mildly", "slight", "slightly", "kind", "kinda", "sort", "sorta"),
        *("just", "only", "bad", "lot", "maybe", "think", "option", "options", "number", "num"),
        *("please", "thanks", "thank", "you", "ok", "okay", "yes", "yeah", "si", "like"),
        *("y", "e", "con", "tambien", "un", "una", "unos", "unas", "el", "la", "los", "las"),
        *("poco", "de", "tengo", "tuve", "me", "siento", "senti", "mucho", "mucha", "muy", "algo"),
        *("solo", "opcion", "opciones", "numero", "gracias"),
    }
)


def _same_word(said: str, label: str) -> bool:
    """Equal, or equal but for a plural "s"/"es" on either side ("headaches" / "headache")."""
    return (
        said == label or said in (label + "s", label + "es") or label in (said + "s", said + "es")
    )


def _match_at(words: list[str], at: int, phrase: tuple[str, ...]) -> bool:
    return len(phrase) <= len(words) - at and all(
        _same_word(word, label)
        for word, label in zip(words[at : at + len(phrase)], phrase, strict=False)
    )


def _longest_at(words: list[str], at: int, phrases: frozenset[str]) -> int:
    """How many words from `at` one of `phrases` covers (longest first); 0 if none does."""
    sizes = sorted({len(phrase.split()) for phrase in phrases}, reverse=True)
    for size in sizes:
        if " ".join(words[at : at + size]) in phrases:
            return size
    return 0


def parse_choices(text: str, options: Sequence[Choice]) -> tuple[str, ...] | None:
    """The keys of the options the reply names, in option order, or None to ask again.

    Options are named by number (1..n: "1 and 3", "1,3", "1/3") or by a label ("nausea,
    headache", "2 & headache"). "none"/"nothing"/"ninguno" is the option that means none if
    there is one, else the empty tuple; "all" is every other key. An unknown number or word,
    or "none" beside a choice, is None.
    """
    words = normalise(text).split()
    labels = sorted(
        (
            (tuple(w for w in normalise(label).split() if w not in SEPARATORS), index)
            for index, option in enumerate(options)
            for label in option.labels
        ),
        key=lambda item: -len(item[0]),
    )
    chosen: set[int] = set()
    said_none = said_all = False
    at = 0
    while at < len(words):
        word = words[at]
        label = next(((p, i) for p, i in labels if p and _match_at(words, at, p)), None)
        if label is not None:
            chosen.add(label[1])
            at += len(label[0])
        elif _WHOLE_NUMBER.fullmatch(word):
            number = _number(word)
            if number is None or not 1 <= number <= len(options):
                return None
            chosen.add(number - 1)
            at += 1
        elif size := _longest_at(words, at, _NONE_PHRASES):
            said_none = True
            at += size
        elif size := _longest_at(words, at, _ALL_PHRASES):
            said_all = True
            at += size
        elif word in SEPARATORS or word in _LIST_FILLER:
            at += 1
        else:
            return None
    # An option that itself means "none" (a protocol's "7 none") is the none answer too.
    none_options = {
        index
        for index, option in enumerate(options)
        if any(normalise(label) in _NONE_PHRASES for label in option.labels)
    }
    if said_none:
        if chosen - none_options or said_all:
            return None  # "none" beside a symptom contradicts itself: ask again
        return tuple(options[index].key for index in sorted(none_options)[:1])
    if chosen & none_options and (len(chosen) > 1 or said_all):
        return None
    if said_all:
        chosen |= set(range(len(options))) - none_options
    if not chosen:
        return None
    return tuple(options[index].key for index in sorted(chosen))
