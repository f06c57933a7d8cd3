"""Warning signs that mean little alone and a crisis together.

"I have enough pills now. Tonight." names no crisis word, and neither sentence alone is one:
a means and a time, together, are. Each cue is a kind of sign (a means, a time, a
farewell, an intent, hopelessness); two of different kinds anywhere in one message make a
crisis, except a time with hopelessness alone ("so tired tonight").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from followup.replies.triage.findings import Finding, Level, short
from followup.replies.triage.text import Span, alternatives, compile_phrase, first_unmasked

_CUES: dict[str, tuple[str, ...]] = {
    # An object counts as a means only where it is aimed at: pills gathered, a rope ready, a
    # bridge gone to. "playing bridge tonight" and "rope to tie the kayak" are not.
    "a means": (
        r"(?:all (?:of )?(?:my |the |them|those)|enough|extra|saved|stash\w*|both|two|the whole"
        r"|a (?:full )?bottle of|bottles? of|my month of|whole bottle of) (?:\w+ )?(?:pills|meds"
        r"|tablets|sleeping pills|painkillers|insulin|xanax|oxys|tylenol|pastillas|medicinas"
        r"|bottles)",
        r"(?:the|a|my) (?:pills|meds|bottle|tylenol|stash) (?:are|is|s) (?:ready|counted|here|in"
        r" my|on the|lined up)|(?:them|they|it) all (?:lined up|counted|ready)|counted them"
        r"|i have the (?:pills|meds|rope|gun)|got (?:the|a) (?:rope|gun|pills)",
        r"noose|(?:the|a|my|his|her|dads|my dads) (?:rope|belt|cord)(?! (?:to|for) (?:tie|the|my"
        r" (?:kayak|boat|tree|tent|dog)))\b.{0,30}\b(?:ready|closet|tied|beam|neck|garage"
        r"|bought)|bought (?:a |the )?rope",
        r"(?:a |the |my |his |her |dads |my dads |a loaded )(?:gun|pistol|rifle|shotgun|revolver"
        r"|glock|handgun)(?! (?:show|range|safety))|bullets?|ammo",
        r"(?:to|on|at|off|from|near|by|up on|the top of|go to|went to|drive to|drove to|over)"
        r" (?:the |that |a )?(?:bridge|overpass|rooftop|roof|ledge|edge|cliff|train tracks|tracks"
        r"|parking garage|parking structure|top floor|river|lake)(?! (?:card|club|game|night"
        r"|party))|(?:the )?(?:car|engine) running|in the garage|razors?|blades?|(?:the|a|my)"
        r" knife|cuerda|soga|pistola|escopeta|(?:al|el|del) puente|azotea|navaja|las vias"
        r"|(?:todas )?(?:las|mis) pastillas|pills saved|saved pills|enough saved|saved up enough"
        r"|got enough|bottle is full|full bottle",
    ),
    "a time": (
        r"tonight|tonite|2nite|after tonight|this weekend|tomorrow(?! (?:at|morning at|is my"
        r" (?:infusion|appointment)))|by (?:friday|saturday|sunday|monday|the weekend|morning)"
        r"|(?:^|(?<=\|~)|(?<=\?~))(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
        r"(?=~[|?]|$)"
        r"|when (?:everyone|they|the kids|he|she|my \w+) (?:is |are |s )?(?:asleep|gone|leaves"
        r"|goes to (?:bed|sleep)|go to (?:bed|sleep))|(?:after|once) (?:the kids|everyone|my \w+)"
        r" (?:leave|leaves|go|goes|is asleep)|after work|before (?:sunday|monday|friday|morning)"
        r"|soon enough|one way or (?:another|the other)|esta noche|este fin de semana|manana"
        r"|cuando (?:todos )?se (?:duerman|vayan)|its time|it s time|time has come|ya es hora"
        r"|(?:waiting|wait) (?:for|until|till) (?:everyone|the kids|my \w+|them|they) (?:to )?(?:go"
        r" to bed|go to sleep|leave|fall asleep|are asleep|is asleep)"
        r"|this is it|that s when|thats when|is when|(?:nobody|no one|nadie) (?:s |is )?(?:home|en"
        r" casa)(?: \w+)? (?:till|until|hasta)|(?:el|este) (?:lunes|martes|miercoles"
        r"|jueves|viernes|sabado|domingo)",
    ),
    "a farewell": (
        r"goodbye|good bye|farewell|bye forever|bye everyone|last (?:message|text|time|words"
        r"|goodbye)|(?:i m|im|i am) sorry|forgive me|love (?:you|yall|you all|u) all|take care"
        r" of (?:my|yourselves|him|her|them)|thank you for (?:everything|trying|all)|for good"
        r"|(?:my|the|a) (?:letters?|notes?)|my will|passwords?|(?:gave|give|giving) (?:away|my)"
        r"|won t need|wont need|after that|never again|take me off|no more (?:messages|texts"
        r"|appointments|infusions)|adios|perdon(?:en)?|los quiero|cuidenl[oa]s?|gracias por todo|ya no van a"
        r"|pagadas|las llaves|cuida a (?:los ninos|mis hijos)|affairs in order"
        r"|(?:hers|his|yours|theirs) now|dropped (?:off )?(?:the|my) (?:dog|cat) (?:off )?at"
        r"|(?:wont|won t|will not|not going to) be (?:here|around) (?:next|this|tomorrow|for the"
        r" next)"
        r"|said goodbye|(?:make sure|let) (?:she|he|they|my \w+) knows?|(?:^|(?<=\|~))sorry$"
        r"|sorry bye",
    ),
    "an intent": (
        r"decided|decision|made up my mind|my mind is made|i know how|i know where|figured out"
        r"|worked out|(?:i |my )plan|planned|planning it|(?:i m|im|i am) ready$|ready now"
        r"|everything is ready|all ready|prepared|do it|doing it|going through with it|my way"
        r"|the only way|no other way|the end|end it|be over|over soon|make it stop|finally (?:free"
        r"|rest|at peace|quiet)|at peace|peace with|ya decidi|lo voy a hacer|lo hago"
        r"|estoy list[oa]|ya se como|todo (?:esta )?listo|lo decidi|decidid[oa]|lo he pensado"
        r"|ya estoy tranquil[oa]|i feel calm now|calm now|(?:for|to) finish (?:it|everything|it all)"
        r"|thinking about it|the whole thing",
    ),
    "hopelessness": (
        r"no point|pointless|no hope|cant anymore|can t anymore|too much|cant take|can t take"
        r"|cant do (?:this|another|it)|can t do (?:this|another|it)|nothing (?:left|helps|works"
        r"|matters)|no way out|tired of|done (?:trying|fighting)|given up|give up|gave up"
        r"|nobody cares|no one cares|nunca va a|no aguanto|ya no puedo|no tiene sentido"
        r"|thank you (?:all )?for trying|thanks for trying|gracias por intentarlo"
        r"|had enough|ive had enough|i ve had enough|estoy cansad[oa]|(?:doesnt|doesn t|does not)"
        r" (?:really )?matter|(?:im|i m|i am) (?:so )?done(?! (?:with (?:work|the|my|it|this week"
        r"|school|dinner|errands|that)|for (?:today|the day|now|tonight)))",
        # A survey score at the bottom of the scale counts as one sign ("0 and I said goodbye").
        r"^(?:0|1|2|zero|cero)(?: ?/ ?10)?(?! ?(?:/|and|y) ?\d)\b|(?:mood|animo) (?:is |es )?(?:0|1|2)\b",
    ),
}
# Each kind's patterns by id, with their order; each top-level alternative on its own (see
# `findings.rule`).
_PATTERNS = {
    kind: {
        id(pattern): (order, pattern)
        for order, pattern in enumerate(
            compile_phrase(a) for p in patterns for a in alternatives(p)
        )
    }
    for kind, patterns in _CUES.items()
}
PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    pattern for by_id in _PATTERNS.values() for _, pattern in by_id.values()
)
_IDS = frozenset(map(id, PATTERNS))
# A time with hopelessness alone is a hard night, not a plan.
_NOT_ENOUGH = frozenset({frozenset({"a time", "hopelessness"})})


def combined(
    variants: Sequence[str], masks: Sequence[list[Span]], live: AbstractSet[int]
) -> list[Finding]:
    """A crisis finding when two kinds of sign appear in the message, else nothing.

    `live` holds the ids of the patterns the prefilter found may match; others are skipped.
    """
    if live.isdisjoint(_IDS):
        return []
    found: dict[str, str] = {}
    for kind, by_id in _PATTERNS.items():
        running = [pattern for _, pattern in sorted([by_id[i] for i in live if i in by_id])]
        words = first_unmasked(running, variants, masks) if running else None
        if words is not None:
            found[kind] = words
    kinds = list(found)
    for index, first in enumerate(kinds):
        for second in kinds[index + 1 :]:
            if frozenset({first, second}) not in _NOT_ENOUGH:
                words = f"{found[first]} \u2026 {found[second]}"
                return [
                    Finding(Level.CRISIS, "warning_signs", f"{first} and {second}", short(words))
                ]
    return []
