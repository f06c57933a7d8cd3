"""A rating-scale conversation by SMS: which item comes next, what a reply answers, and
what we say back. Pure functions over the protocol's instruments.

Several instruments may be asked in a row ("phq9+gad7"); the position counts items across
them. A reply answers the current item, the rest of the current instrument, the whole of
it again, or everything left: "2", or "1 2 0 3 1 1 0 2 0". A reply that cannot be read is
asked once more with the answer options; a second one marks the item unreadable (missing
for scoring, flagged for a person) and the conversation moves on, so no patient is stuck.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from followup.instruments.reading import is_skip, read_answers
from followup.protocol.instruments import Instrument

Sequence_ = Sequence[tuple[str, Instrument]]

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "options": "Reply {options}.",
        "short": "Reply {low} to {high}.",
        "not_understood": "Sorry, I didn't catch that.",
        "counted": "I counted {count} answers; send one answer, or all {expected} in order.",
        "next": "Thank you. {count} more questions.",
        "done": "Thank you. Your care team will see your answers.",
    },
    "es": {
        "options": "Responda {options}.",
        "short": "Responda del {low} al {high}.",
        "not_understood": "Perdone, no entendí su respuesta.",
        "counted": "Conté {count} respuestas; envíe una respuesta, o las {expected} en orden.",
        "next": "Gracias. {count} preguntas más.",
        "done": "Gracias. Su equipo de atención verá sus respuestas.",
    },
}


@dataclass(frozen=True, slots=True)
class Position:
    """The item the patient's next reply answers, counted across the instruments asked."""

    index: int
    reasked: bool = False


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    """One item's answer; `value` None marks it unreadable."""

    instrument: str
    item: int
    value: int | None


@dataclass(frozen=True, slots=True)
class Turn:
    """What one reply did: its answers, the next position (None: finished) and our reply.

    `understood` is False when the reply could not be read; `remark` when it said more than
    its answers. A person reads either. `crisis` lists the answers that open the crisis
    path: the caller answers with the crisis message instead of `reply`.
    """

    answers: tuple[ItemAnswer, ...]
    next: Position | None
    reply: str
    understood: bool = True
    remark: bool = False
    crisis: tuple[ItemAnswer, ...] = ()


def language_of(language: str) -> str:
    """ "es", "ES" and "es-MX" all read as "es"; unknown languages as English."""
    bare = (language or "en").strip().lower().split("-")[0].split("_")[0]
    return bare if bare in TEXTS else "en"


def _say(language: str, what: str, **values: object) -> str:
    return TEXTS[language][what].format(**values)


def _locate(sequence: Sequence_, index: int) -> tuple[int, int]:
    """(which instrument, which of its items) for a position across the sequence."""
    for number, (_key, instrument) in enumerate(sequence):
        if index < len(instrument.items):
            return number, index
        index -= len(instrument.items)
    raise IndexError("past the last item")


def _start_of(sequence: Sequence_, number: int) -> int:
    return sum(len(instrument.items) for _key, instrument in sequence[:number])


def options_line(instrument: Instrument, language: str) -> str:
    """ "Reply 0 for not at all, 1 for several days, ...": the whole answer scale."""
    lang = language_of(language)
    listed = ", ".join(f"{o.value} = {o.label_in(lang)}" for o in instrument.options)
    return _say(lang, "options", options=listed)


def item_prompt(instrument: Instrument, item: int, language: str, *, full: bool) -> str:
    """The SMS asking one item: in full (stem and every option) for the first item or a
    second try, else the item with its look-back and a short reminder of the scale."""
    lang = language_of(language)
    count = len(instrument.items)
    text = instrument.items[item].text_in(lang)
    if full:
        stem = instrument.stem.get(lang) or instrument.stem["en"]
        return f"{stem} {options_line(instrument, lang)}\n\n{item + 1}/{count}: {text}"
    lookback = instrument.lookback.get(lang) or instrument.lookback["en"]
    short = _say(lang, "short", low=0, high=instrument.max_value)
    return f"{item + 1}/{count} ({lookback}): {text}. {short}"


def opening(sequence: Sequence_, language: str) -> str:
    """The first item of the first instrument, as the check-in SMS asks it."""
    return item_prompt(sequence[0][1], 0, language, full=True)


def _fills(sequence: Sequence_, index: int, count: int) -> list[tuple[int, int]] | None:
    """Which items (instrument number, item) `count` answers given at `index` fill."""
    number, item = _locate(sequence, index)
    size = len(sequence[number][1].items)
    total_left = sum(len(i.items) for _k, i in sequence) - index
    if count == 1:
        return [(number, item)]
    if count == size - item:
        return [(number, i) for i in range(item, size)]
    if count == size:  # the whole instrument again, from its first item
        return [(number, i) for i in range(size)]
    if count == total_left:
        found = [(number, i) for i in range(item, size)]
        for later in range(number + 1, len(sequence)):
            found += [(later, i) for i in range(len(sequence[later][1].items))]
        return found
    return None


def _counts(sequence: Sequence_, index: int) -> set[int]:
    number, item = _locate(sequence, index)
    size = len(sequence[number][1].items)
    left = sum(len(i.items) for _k, i in sequence) - index
    return {1, size - item, size, left}


def answer(sequence: Sequence_, position: Position, text: str, language: str) -> Turn:
    """Read a reply at `position` and say what happens next."""
    lang = language_of(language)
    number, item = _locate(sequence, position.index)
    key, instrument = sequence[number]
    if is_skip(text):
        # Left unanswered on purpose: missing for scoring; a skipped crisis item goes to a
        # person, who may want to ask it by phone.
        skipped = (ItemAnswer(key, item, None),)
        remark = instrument.crisis_item == instrument.items[item].key
        return _advance(sequence, position.index + 1, skipped, lang, remark=remark)
    reading = read_answers(text, instrument.options, _counts(sequence, position.index))
    fills = _fills(sequence, position.index, len(reading.values)) if reading else None
    if reading is None or fills is None or not _in_range(sequence, fills, reading.values):
        if not position.reasked:
            why = _say(lang, "not_understood")
            if reading is not None and fills is None:
                size = len(instrument.items)
                why = _say(lang, "counted", count=len(reading.values), expected=size)
            again = f"{why} {item_prompt(instrument, item, lang, full=True)}"
            return Turn((), Position(position.index, reasked=True), again, understood=False)
        unreadable = (ItemAnswer(key, item, None),)
        return _advance(sequence, position.index + 1, unreadable, lang, understood=False)
    answers = tuple(
        ItemAnswer(sequence[n][0], i, value)
        for (n, i), value in zip(fills, reading.values, strict=True)
    )
    after = _start_of(sequence, fills[-1][0]) + fills[-1][1] + 1
    turn = _advance(sequence, after, answers, lang, remark=reading.remark)
    crisis = tuple(a for a in answers if dict(sequence)[a.instrument].is_crisis(a.item, a.value))
    if crisis:
        # A person calls now; the rest of the questionnaire can wait.
        return Turn(answers, None, _say(lang, "done"), remark=reading.remark, crisis=crisis)
    return turn


def _in_range(sequence: Sequence_, fills: list[tuple[int, int]], values: Sequence[int]) -> bool:
    return all(v <= sequence[n][1].max_value for (n, _i), v in zip(fills, values, strict=True))


def _advance(
    sequence: Sequence_,
    index: int,
    answers: tuple[ItemAnswer, ...],
    language: str,
    *,
    understood: bool = True,
    remark: bool = False,
) -> Turn:
    """The turn that moves on to item `index`: its prompt, the next instrument's, or done."""
    total = sum(len(instrument.items) for _key, instrument in sequence)
    if index >= total:
        return Turn(answers, None, _say(language, "done"), understood, remark)
    number, item = _locate(sequence, index)
    instrument = sequence[number][1]
    if item == 0:  # a new instrument begins
        prompt = item_prompt(instrument, 0, language, full=True)
        reply = f"{_say(language, 'next', count=len(instrument.items))} {prompt}"
    else:
        reply = item_prompt(instrument, item, language, full=False)
    return Turn(answers, Position(index), reply, understood, remark)
